import { Buffer } from "node:buffer";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { pino } from "pino";
import { backoffDelay, sleep } from "../../pipeline/backoff.ts";
import type { OutputStats } from "../output-stats.ts";
import { ConnectionError } from "./connection-error.ts";
import { type ConnectionTarget, describeTarget, SyslogConnection, type WriteGroup } from "./syslog-connection.ts";

const gzipAsync = promisify(gzip);

/** The lines of one `send`, travelling together until delivered. */
export interface Chunk {
  /** The formatted lines, encoded once: merged writes then only copy bytes, and the memory bound is exact. */
  data: Buffer;
  events: number;
  enqueuedAt: number;
  /** How many times it was written; more than once means re-sent after a broken connection. */
  writes: number;
  resolve(): void;
  reject(error: Error): void;
}

export interface LaneOptions {
  outputId: string;
  lane: number;
  target: ConnectionTarget;
  /** A written group counts as delivered once its connection stayed up this long after the write. */
  settleMs: number;
  closeTimeoutMs: number;
  idleMs: number;
  maxAgeMs: number;
  deliveryTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Bytes of lines merged into one socket write (and one gzip member). */
  maxWriteBytes: number;
  /** zlib level when each write is sent as a gzip member; undefined: no compression. */
  gzipLevel: number | undefined;
  stats: OutputStats;
  logger: pino.Logger;
}

type Connection = SyslogConnection<Chunk>;

/**
 * One connection's worth of delivery: a queue of chunks, the connection they go out on, and the bookkeeping that
 * makes delivery at-least-once.
 *
 * A chunk moves queue → socket write (merged with its neighbours) → unacknowledged on its connection → delivered.
 * It is delivered (its `send` resolves) once the write completed, the connection is confirmed (see
 * {@link SyslogConnection}) and the connection then stayed up for `settleMs` — or when a graceful close (our FIN
 * answered by the peer's) proves the peer read everything. If the connection breaks first, every unacknowledged
 * chunk goes back to the front of the queue and is written again on the next connection, so a receiver restart
 * costs duplicates, never losses. Without an application-level acknowledgement in syslog this is as strong as the
 * protocol allows: data the receiver read from its socket but lost in its own crash cannot be detected.
 *
 * Reconnects back off exponentially with jitter. Connections are closed gracefully when idle for `idleMs` (before a
 * load balancer's idle cut) and when older than `maxAgeMs`.
 *
 * A receiver that accepts the connection and then reads nothing leaves our writes in the socket's buffers forever.
 * A connection whose writes have not moved for `deliveryTimeoutMs` is therefore dropped, and what was written on it
 * for longer than that fails back to its `send` (the pipeline retries the message later); newer chunks are re-sent.
 */
export class DeliveryLane {
  readonly #options: LaneOptions;
  readonly #queue: Chunk[] = [];
  /** Bytes of chunks not yet resolved or rejected: queued, being written, or awaiting acknowledgement. */
  #heldBytes = 0;
  #current: Connection | undefined;
  readonly #retiring = new Set<Promise<void>>();
  readonly #live = new Set<Connection>();
  #running = false;
  #idle: (() => void)[] = [];
  /** Consecutive failed attempts: connects that failed, or connections that broke before being confirmed. */
  #failures = 0;
  /** Consecutive connections closed by the receiver before confirmation without saying why. */
  #unexplainedRefusals = 0;
  #everConnected = false;
  #lastError: ConnectionError | undefined;
  #lastLogged = "";
  #lastLoggedAt = 0;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #ackDueAt = Number.POSITIVE_INFINITY;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Checks for stuck connections and expired chunks while the lane holds anything. */
  #watchdog: ReturnType<typeof setInterval> | undefined;
  /** Set when `close` was told to give up: nothing is sent or re-sent any more, every send fails with it. */
  #abandoned: Error | undefined;
  readonly #stop = new AbortController();
  readonly #events = {
    confirmed: (connection: Connection) => {
      this.#failures = 0;
      this.#unexplainedRefusals = 0;
      this.#ackDue(connection);
    },
    written: (connection: Connection) => this.#ackDue(connection),
    broken: (connection: Connection, error: ConnectionError) => this.#onBroken(connection, error),
  };

  constructor(options: LaneOptions) {
    this.#options = options;
  }

  /** Bytes held (queued plus written-but-unacknowledged): how busy this lane is. */
  get load(): number {
    return this.#heldBytes;
  }

  enqueue(chunk: Chunk): void {
    this.#heldBytes += chunk.data.length;
    if (this.#abandoned !== undefined) {
      this.#fail(chunk, this.#abandoned);
      return;
    }
    this.#queue.push(chunk);
    this.#armWatchdog();
    this.#kick();
  }

  /**
   * Delivers what is queued, then closes every connection gracefully. Whatever cannot be delivered within the
   * delivery timeout fails back to its `send`. When `signal` aborts, gives up at once: every chunk not yet delivered
   * fails back and the connections are dropped.
   */
  async close(signal?: AbortSignal): Promise<void> {
    const giveUp = () => this.#abandon("given up at shutdown (grace period over)");
    if (signal?.aborted) giveUp();
    else signal?.addEventListener("abort", giveUp, { once: true });
    try {
      for (;;) {
        while (this.#running || this.#queue.length > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
        clearTimeout(this.#idleTimer);
        if (this.#current !== undefined) this.#retire(this.#current);
        while (this.#retiring.size > 0) await Promise.all([...this.#retiring]);
        // A graceful close that failed put chunks back; they were retried (or failed) by the loop above — but if
        // the last close failed, try once more.
        if (this.#queue.length === 0) break;
      }
    } finally {
      signal?.removeEventListener("abort", giveUp);
    }
    // A send that was still waiting for the output's buffer when close began fails instead of reconnecting.
    this.#abandoned ??= new Error(`output ${this.#options.outputId}: send after close`);
    this.#stop.abort();
    clearTimeout(this.#ackTimer);
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  /** Stops delivering: what is queued fails now, what is on a connection fails when the connection is dropped. */
  #abandon(reason: string): void {
    if (this.#abandoned !== undefined) return;
    this.#abandoned = new Error(`output ${this.#options.outputId}: ${reason}`);
    this.#stop.abort();
    this.#requeue(this.#queue.splice(0));
    for (const connection of this.#live) connection.destroy();
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    this.#run()
      .catch((error: Error) => {
        // The loop handles connection errors itself; anything here is a bug. Fail the queue rather than hang it.
        this.#options.logger.error({ err: error.message }, "delivery loop failed");
        this.#rejectQueued(error);
      })
      .finally(() => {
        this.#running = false;
        if (this.#queue.length > 0) this.#kick();
        else {
          const idle = this.#idle;
          this.#idle = [];
          for (const resolve of idle) resolve();
        }
      });
  }

  async #run(): Promise<void> {
    const { maxAgeMs, gzipLevel, stats } = this.#options;
    while (this.#queue.length > 0) {
      const connection = await this.#connection();
      if (connection === undefined) continue;
      if (performance.now() - connection.openedAt > maxAgeMs) {
        this.#retire(connection);
        continue;
      }
      const chunks = this.#takeWrite();
      const lines = chunks.length === 1 ? chunks[0].data : Buffer.concat(chunks.map((chunk) => chunk.data));
      const data = gzipLevel === undefined ? lines : await gzipAsync(lines, { level: gzipLevel });
      if (connection !== this.#current || !connection.isOpen) {
        this.#requeue(chunks);
        continue;
      }
      for (const chunk of chunks) if (chunk.writes++ > 0) stats.resentEvents += chunk.events;
      stats.bytesWritten += data.length;
      const group: WriteGroup<Chunk> = { chunks, writtenAt: undefined };
      if (!connection.write(data, group)) await connection.drained();
    }
  }

  /** The open connection, connecting (with backoff) when there is none. Undefined when the queue emptied meanwhile. */
  async #connection(): Promise<Connection | undefined> {
    if (this.#current?.isOpen) return this.#current;
    const { target, backoffBaseMs, backoffMaxMs, stats, logger } = this.#options;
    for (;;) {
      if (this.#abandoned !== undefined) {
        this.#requeue(this.#queue.splice(0));
        return undefined;
      }
      this.#expireQueued();
      if (this.#queue.length === 0) return undefined;
      if (this.#failures > 0) {
        await sleep(backoffDelay(this.#failures, backoffBaseMs, backoffMaxMs), this.#stop.signal);
        this.#expireQueued();
        if (this.#queue.length === 0) return undefined;
      }
      try {
        const connection = await SyslogConnection.open(target, this.#events, this.#stop.signal);
        if (this.#abandoned !== undefined) {
          connection.destroy();
          continue;
        }
        if (this.#everConnected) stats.reconnects++;
        this.#everConnected = true;
        this.#current = connection;
        this.#live.add(connection);
        this.#armIdleTimer(connection);
        const message = `connected to ${describeTarget(target).target} (${connection.protocol})`;
        if (this.#lastError !== undefined) {
          logger.info({ lane: this.#options.lane }, `${message} after: ${this.#lastError.message}`);
          this.#lastError = undefined;
        } else logger.debug({ lane: this.#options.lane }, message);
        return connection;
      } catch (error) {
        const failure = error as ConnectionError;
        if (this.#abandoned !== undefined) continue;
        this.#failures++;
        stats.connectionErrors++;
        this.#report(failure);
        if (failure.fatal) this.#rejectQueued(failure);
      }
    }
  }

  /** Takes chunks from the front of the queue for one write: at least one, then as many as fit. */
  #takeWrite(): Chunk[] {
    const { maxWriteBytes } = this.#options;
    let bytes = 0;
    let count = 0;
    while (count < this.#queue.length && (count === 0 || bytes + this.#queue[count].data.length <= maxWriteBytes)) {
      bytes += this.#queue[count].data.length;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  #requeue(chunks: Chunk[]): void {
    if (chunks.length === 0) return;
    if (this.#abandoned !== undefined) {
      for (const chunk of chunks) this.#fail(chunk, this.#abandoned);
      return;
    }
    this.#queue.unshift(...chunks);
  }

  #ackDue(connection: Connection): void {
    if (!connection.confirmed) return;
    const now = performance.now();
    const { settleMs } = this.#options;
    while (connection.unacked.length > 0) {
      const group = connection.unacked[0];
      if (group.writtenAt === undefined) break;
      const due = group.writtenAt + settleMs;
      if (due > now) {
        this.#scheduleAck(due);
        break;
      }
      connection.unacked.shift();
      this.#deliver(group.chunks);
    }
  }

  #scheduleAck(due: number): void {
    if (due >= this.#ackDueAt) return;
    clearTimeout(this.#ackTimer);
    this.#ackDueAt = due;
    this.#ackTimer = setTimeout(
      () => {
        this.#ackDueAt = Number.POSITIVE_INFINITY;
        for (const connection of this.#live) if (connection.isOpen) this.#ackDue(connection);
      },
      Math.max(0, due - performance.now()),
    );
  }

  #deliver(chunks: Chunk[]): void {
    const { stats } = this.#options;
    for (const chunk of chunks) {
      stats.events += chunk.events;
      stats.bytes += chunk.data.length;
      this.#heldBytes -= chunk.data.length;
      chunk.resolve();
    }
  }

  #onBroken(connection: Connection, error: ConnectionError): void {
    this.#live.delete(connection);
    if (connection === this.#current) {
      this.#current = undefined;
      clearTimeout(this.#idleTimer);
    }
    const chunks = connection.unacked.splice(0).flatMap((group) => group.chunks);
    this.#requeue(chunks);
    if (this.#abandoned !== undefined) return;
    this.#options.stats.connectionErrors++;
    // A connection that broke before the peer accepted it is a failed attempt: back off. One that broke after
    // working (a receiver restart, a balancer cut) is retried at once.
    if (!connection.confirmed) this.#failures++;
    this.#report(error, chunks.length);
    // A bare close right after the handshake may be a restart; three in a row is a refused certificate.
    if (error.code === "CLOSED_BEFORE_CONFIRMATION") this.#unexplainedRefusals++;
    if (error.fatal || this.#unexplainedRefusals >= 3) this.#rejectQueued(error);
    // Dropped by the watchdog: what waited longer than the delivery timeout fails back now, the rest is re-sent.
    if (error.code === "STALLED") this.#expireQueued();
    if (this.#queue.length > 0) this.#kick();
  }

  /** Graceful close; on success everything written on it is delivered, otherwise it goes back to the queue. */
  #retire(connection: Connection): void {
    if (connection === this.#current) {
      this.#current = undefined;
      clearTimeout(this.#idleTimer);
    }
    const closing = connection
      .end(this.#options.closeTimeoutMs)
      .then((clean) => {
        this.#live.delete(connection);
        const groups = connection.unacked.splice(0);
        if (clean) {
          for (const group of groups) this.#deliver(group.chunks);
          return;
        }
        const chunks = groups.flatMap((group) => group.chunks);
        if (this.#abandoned !== undefined) {
          this.#requeue(chunks);
          return;
        }
        this.#options.stats.connectionErrors++;
        this.#report(
          new ConnectionError(
            `${describeTarget(this.#options.target).target}: the receiver did not confirm a graceful close`,
            {
              fatal: false,
              code: "CLOSE_UNCONFIRMED",
            },
          ),
          chunks.length,
        );
        this.#requeue(chunks);
        if (this.#queue.length > 0) this.#kick();
      })
      .finally(() => this.#retiring.delete(closing));
    this.#retiring.add(closing);
  }

  #armIdleTimer(connection: Connection): void {
    clearTimeout(this.#idleTimer);
    const check = () => {
      if (connection !== this.#current || !connection.isOpen) return;
      const idleFor = performance.now() - connection.lastWriteAt;
      if (idleFor >= this.#options.idleMs && this.#queue.length === 0) this.#retire(connection);
      else this.#idleTimer = unref(setTimeout(check, Math.max(10, this.#options.idleMs - idleFor)));
    };
    this.#idleTimer = unref(setTimeout(check, this.#options.idleMs));
  }

  #expireQueued(): void {
    const { deliveryTimeoutMs, logger, lane } = this.#options;
    const oldest = performance.now() - deliveryTimeoutMs;
    if (this.#queue.length === 0 || this.#queue.every((chunk) => chunk.enqueuedAt > oldest)) return;
    const reason = this.#lastError?.message ?? "no connection";
    const error = new Error(
      `output ${this.#options.outputId}: not delivered within ${deliveryTimeoutMs / 1000} s (delivery_timeout_seconds): ${reason}`,
      { cause: this.#lastError },
    );
    const keep: Chunk[] = [];
    let failed = 0;
    for (const chunk of this.#queue) {
      if (chunk.enqueuedAt > oldest) keep.push(chunk);
      else {
        failed += chunk.events;
        this.#fail(chunk, error);
      }
    }
    this.#queue.length = 0;
    this.#requeue(keep);
    this.#options.stats.deliveryTimeouts++;
    // The pipeline logs each message it hands back with this error; the connection problem was logged already.
    logger.debug({ lane, events: failed }, `${error.message}; failed back for a retry later`);
  }

  #armWatchdog(): void {
    if (this.#watchdog !== undefined) return;
    const period = Math.max(50, Math.min(1000, this.#options.deliveryTimeoutMs / 10));
    this.#watchdog = unref(setInterval(() => this.#checkStuck(), period));
  }

  /**
   * Drops a connection on which a write has not moved for the delivery timeout (the receiver reads nothing), and
   * expires queued chunks while no connection is open. Stops itself when the lane holds nothing.
   */
  #checkStuck(): void {
    if (this.#queue.length === 0 && this.#heldBytes <= 0) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
      return;
    }
    const { deliveryTimeoutMs, target } = this.#options;
    const now = performance.now();
    for (const connection of this.#live) {
      const stuckFor = now - connection.lastProgressAt;
      if (!connection.stuckWrite || stuckFor < deliveryTimeoutMs) continue;
      connection.destroy(
        new ConnectionError(
          `${describeTarget(target).target}: the receiver took no data for ${Math.round(stuckFor / 1000)} s (writes stuck in the socket); connection dropped`,
          { fatal: false, code: "STALLED" },
        ),
      );
    }
    if (this.#current === undefined) this.#expireQueued();
  }

  #rejectQueued(error: Error): void {
    const failure = new Error(`output ${this.#options.outputId}: ${error.message}`, { cause: error });
    for (const chunk of this.#queue) this.#fail(chunk, failure);
    this.#queue.length = 0;
  }

  #fail(chunk: Chunk, error: Error): void {
    this.#options.stats.failedBatches++;
    this.#heldBytes -= chunk.data.length;
    chunk.reject(error);
  }

  /** One line per distinct problem (repeated at most once a minute), so a long outage does not flood the log. */
  #report(error: ConnectionError, resending = 0): void {
    this.#lastError = error;
    const { logger, lane } = this.#options;
    const now = Date.now();
    const fields = { lane, code: error.code, attempt: this.#failures, resending };
    if (error.message !== this.#lastLogged || now - this.#lastLoggedAt > 60_000) {
      this.#lastLogged = error.message;
      this.#lastLoggedAt = now;
      logger.warn(fields, error.message);
    } else logger.debug(fields, error.message);
  }
}

function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
