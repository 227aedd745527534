import type { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { ConnectionError, closedBeforeConfirmation, describeConnectionError } from "./connection-error.ts";
import type { TlsSettings } from "./tls-settings.ts";

export interface ConnectionTarget {
  host: string;
  port: number;
  /** TLS settings; undefined for plain TCP. */
  tls: TlsSettings | undefined;
  connectTimeoutMs: number;
  /** TLS 1.3 without a session ticket: how long the connection must stay up before the peer counts as accepting. */
  confirmWindowMs: number;
}

/** What travels in one socket write: whole chunks (one per `send`), so a chunk is acknowledged or re-sent whole. */
export interface WriteGroup<C> {
  chunks: C[];
  /** When the socket reported the write done (`performance.now()`); undefined while still in Node's buffers. */
  writtenAt: number | undefined;
}

export interface ConnectionEvents<C> {
  /** The peer accepted us (see {@link SyslogConnection.confirmed}). */
  confirmed(connection: SyslogConnection<C>): void;
  /** A write group reached the kernel. */
  written(connection: SyslogConnection<C>): void;
  /** The connection failed or the peer closed it while we were still sending (not after our own `end`). */
  broken(connection: SyslogConnection<C>, error: ConnectionError): void;
}

/**
 * One TCP or TLS connection to a syslog receiver, and the write groups sent on it that are not acknowledged yet.
 *
 * **Confirmation (the TLS 1.3 client-certificate trap).** With TLS 1.3 the client's handshake completes before the
 * server has checked the client certificate; a refused certificate arrives as an alert (or a bare close) one round
 * trip later, after our first writes "succeeded". So nothing written on a connection counts until the connection
 * is `confirmed`:
 * - plain TCP: on connect (there is nothing to reject);
 * - TLS 1.2: on `secureConnect` (the server's Finished comes after it verified our certificate);
 * - TLS 1.3: on the first session ticket (OpenSSL servers send it only after accepting our Finished and
 *   certificate), or, since some receivers send no tickets (syslog-ng does not), after the connection stayed up
 *   for `confirmWindowMs` without an alert.
 * We do not pin TLS 1.2 by default: Devo accepts TLS 1.3, and pinning would be a downgrade for every user to work
 * around one receiver-side timing; `max_tls_version: TLSv1.2` remains available. A connection that ends before
 * confirmation is reported as a refused client certificate.
 */
export class SyslogConnection<C> {
  readonly openedAt = performance.now();
  lastWriteAt = performance.now();
  /**
   * Since when the socket has been stuck, if it is: when a write last reached the kernel, or when a write found
   * nothing pending before it. A receiver that reads nothing stops this clock while writes pile up.
   */
  lastProgressAt = performance.now();
  readonly protocol: string;
  confirmed = false;
  readonly unacked: WriteGroup<C>[] = [];
  readonly #socket: net.Socket;
  readonly #target: ConnectionTarget;
  readonly #events: ConnectionEvents<C>;
  #state: "open" | "ending" | "closed" = "open";
  #error: Error | undefined;
  /** Why we dropped the connection ourselves (see {@link destroy}): reported as is when it closes. */
  #dropped: ConnectionError | undefined;
  #peerEnded = false;
  #confirmTimer: ReturnType<typeof setTimeout> | undefined;
  #ended: ((clean: boolean) => void) | undefined;
  #drainWaiters: (() => void)[] = [];

  private constructor(socket: net.Socket, target: ConnectionTarget, events: ConnectionEvents<C>, sawTicket: boolean) {
    this.#socket = socket;
    this.#target = target;
    this.#events = events;
    this.protocol = target.tls ? ((socket as tls.TLSSocket).getProtocol() ?? "TLS") : "TCP";
    socket.on("error", (error) => {
      this.#error ??= error;
    });
    socket.on("end", () => {
      this.#peerEnded = true;
      // The receiver closed its side while we still send: it will read nothing more. Close ours too.
      if (this.#state === "open") socket.end();
    });
    socket.on("close", () => this.#onClose());
    socket.on("drain", () => this.#releaseDrainWaiters());
    // Receivers send nothing, but reading keeps 'end' and TLS session tickets flowing.
    socket.on("data", () => undefined);

    if (!target.tls || this.protocol === "TLSv1.2" || sawTicket) {
      this.confirmed = true;
    } else {
      socket.once("session", () => this.#confirm());
      this.#confirmTimer = setTimeout(() => this.#confirm(), target.confirmWindowMs);
    }
  }

  /**
   * Connects (TCP, then TLS when configured) within `connectTimeoutMs`; rejects with a {@link ConnectionError}, also
   * when `signal` aborts first.
   */
  static open<C>(
    target: ConnectionTarget,
    events: ConnectionEvents<C>,
    signal?: AbortSignal,
  ): Promise<SyslogConnection<C>> {
    return new Promise((resolve, reject) => {
      const settings = target.tls;
      const socket = settings
        ? tls.connect({
            host: target.host,
            port: target.port,
            secureContext: settings.secureContext,
            servername: settings.servername,
            checkServerIdentity: settings.checkServerIdentity,
            minVersion: settings.minVersion,
            maxVersion: settings.maxVersion,
          })
        : net.connect({ host: target.host, port: target.port });
      let sawTicket = false;
      let settled = false;
      const onTicket = () => {
        sawTicket = true;
      };
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        socket.off("session", onTicket);
        socket.destroy();
        reject(
          describeConnectionError(error, {
            ...describeTarget(target),
            tls: settings,
            connectTimeoutMs: target.connectTimeoutMs,
          }),
        );
      };
      const timer = setTimeout(
        () => fail(Object.assign(new Error("connect timeout"), { code: "CONNECT_TIMEOUT" })),
        target.connectTimeoutMs,
      );
      const onClose = () => fail(Object.assign(new Error("closed during connect"), { code: "ECONNRESET" }));
      const onAbort = () => fail(Object.assign(new Error("connect abandoned"), { code: "ABANDONED" }));
      if (signal?.aborted) queueMicrotask(onAbort);
      else signal?.addEventListener("abort", onAbort, { once: true });
      socket.once("error", fail);
      socket.once("close", onClose);
      socket.on("session", onTicket);
      socket.once(settings ? "secureConnect" : "connect", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        socket.off("error", fail);
        socket.off("close", onClose);
        socket.off("session", onTicket);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 15_000);
        resolve(new SyslogConnection(socket, target, events, sawTicket));
      });
    });
  }

  get isOpen(): boolean {
    return this.#state === "open";
  }

  /** Queues `data` on the socket; `false` means Node's buffer is full: wait for {@link drained} before more. */
  write(data: string | Buffer, group: WriteGroup<C>): boolean {
    this.unacked.push(group);
    this.lastWriteAt = performance.now();
    if (this.#socket.writableLength === 0) this.lastProgressAt = this.lastWriteAt;
    return this.#socket.write(data, (error) => {
      if (error) return; // 'error' and 'close' follow; the group goes back to the queue then
      group.writtenAt = performance.now();
      this.lastProgressAt = group.writtenAt;
      this.#events.written(this);
    });
  }

  /** Resolves when the socket can take more, or when it closed. */
  drained(): Promise<void> {
    if (this.#state === "closed" || !this.#socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * Graceful close: ends our write side (TLS close_notify, then FIN) and waits for the peer to close. `true` means
   * the peer closed cleanly after reading to the end of what we sent: everything written is delivered.
   */
  end(timeoutMs: number): Promise<boolean> {
    if (this.#state === "closed") return Promise.resolve(false);
    if (this.#state === "ending") return new Promise((resolve) => this.#chainEnded(resolve));
    this.#state = "ending";
    clearTimeout(this.#confirmTimer);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#error ??= new Error(`peer did not close within ${timeoutMs} ms`);
        this.#socket.destroy();
      }, timeoutMs);
      this.#ended = (clean) => {
        clearTimeout(timer);
        resolve(clean);
      };
      this.#socket.end();
    });
  }

  /** Whether a write is still in Node's buffers, waiting for the kernel to take it. */
  get stuckWrite(): boolean {
    return this.unacked.some((group) => group.writtenAt === undefined);
  }

  /**
   * Drops the connection at once (no delivery confirmed). With a `reason`, the `broken` event (or a pending `end`)
   * reports that reason instead of what the socket saw.
   */
  destroy(reason?: ConnectionError): void {
    this.#dropped ??= reason;
    this.#socket.destroy();
  }

  #chainEnded(resolve: (clean: boolean) => void) {
    const previous = this.#ended;
    this.#ended = (clean) => {
      previous?.(clean);
      resolve(clean);
    };
  }

  #confirm() {
    clearTimeout(this.#confirmTimer);
    if (this.confirmed || this.#state !== "open") return;
    this.confirmed = true;
    this.#events.confirmed(this);
  }

  #releaseDrainWaiters() {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #onClose() {
    const previous = this.#state;
    this.#state = "closed";
    clearTimeout(this.#confirmTimer);
    this.#releaseDrainWaiters();
    if (previous === "ending") {
      this.#ended?.(this.#peerEnded && this.#error === undefined);
      return;
    }
    const context = {
      ...describeTarget(this.#target),
      tls: this.#target.tls,
      connectTimeoutMs: this.#target.connectTimeoutMs,
    };
    let error: ConnectionError;
    if (this.#dropped !== undefined) {
      error = this.#dropped;
    } else if (this.#error !== undefined) {
      error = describeConnectionError(this.#error, context);
      if (!this.confirmed && !error.fatal) error = closedBeforeConfirmation(context.target, this.#target.tls);
    } else if (!this.confirmed) {
      error = closedBeforeConfirmation(context.target, this.#target.tls);
    } else {
      error = new ConnectionError(`${context.target}: the receiver closed the connection`, {
        fatal: false,
        code: "PEER_CLOSED",
      });
    }
    this.#events.broken(this, error);
  }
}

export function describeTarget(target: { host: string; port: number; tls: TlsSettings | undefined }) {
  return { target: `${target.tls ? "tls" : "tcp"}://${target.host}:${target.port}`, address: target.host };
}
