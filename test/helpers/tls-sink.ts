import type { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import type { AddressInfo, Socket } from "node:net";
import tls from "node:tls";
import { createGunzip } from "node:zlib";

export interface TlsSinkOptions {
  serverCert: string;
  serverKey: string;
  /** Require and verify a client certificate signed by this CA. */
  clientCa?: string;
  /** Connections carry gzip members (the outputs' gzip mode); lines are counted after decompression. */
  gzip?: boolean;
  /** Keep the received lines (tests); off for benchmarks, which only count. */
  keepLines?: boolean;
  maxVersion?: tls.SecureVersion;
}

/**
 * A minimal TLS receiver in this process: a baseline for benchmarks (no syslog-ng parsing or disk) and a receiver
 * for what syslog-ng cannot take (gzip members). It splits on `\n` only; octet-counted frames are not parsed.
 */
export class TlsSink {
  readonly #server: tls.Server;
  readonly #keep: boolean;
  readonly #sockets = new Set<Socket>();
  readonly lines: string[] = [];
  lineCount = 0;
  /** Bytes after decompression. */
  bytes = 0;
  connections = 0;

  private constructor(options: TlsSinkOptions) {
    this.#keep = options.keepLines ?? true;
    this.#server = tls.createServer(
      {
        cert: readFileSync(options.serverCert),
        key: readFileSync(options.serverKey),
        ...(options.clientCa
          ? { ca: readFileSync(options.clientCa), requestCert: true, rejectUnauthorized: true }
          : { requestCert: false }),
        maxVersion: options.maxVersion,
      },
      (socket) => this.#accept(socket, options.gzip ?? false),
    );
    this.#server.on("tlsClientError", () => undefined);
  }

  static async start(options: TlsSinkOptions): Promise<TlsSink> {
    const sink = new TlsSink(options);
    await new Promise<void>((resolve, reject) => {
      sink.#server.once("error", reject);
      sink.#server.listen(0, "127.0.0.1", () => resolve());
    });
    return sink;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async waitForLines(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lineCount < count) {
      if (Date.now() > deadline) throw new Error(`TLS sink received ${this.lineCount} of ${count} lines`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Drops every open connection abruptly (a receiver crash, as the sender sees it). */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: tls.TLSSocket, gzip: boolean) {
    this.connections++;
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.on("error", () => undefined);
    let partial = "";
    const onData = (chunk: Buffer) => {
      this.bytes += chunk.length;
      if (!this.#keep) {
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.lineCount++;
        return;
      }
      const text = partial + chunk.toString("utf8");
      const parts = text.split("\n");
      partial = parts.pop()!;
      for (const line of parts) this.lines.push(line);
      this.lineCount += parts.length;
    };
    if (gzip) {
      const gunzip = createGunzip();
      gunzip.on("error", (error) => {
        this.lines.push(`<gunzip error: ${error.message}>`);
        socket.destroy();
      });
      socket.pipe(gunzip).on("data", onData);
    } else socket.on("data", onData);
    // Answer our peer's FIN with ours: the graceful close the outputs wait for.
    socket.on("end", () => socket.end());
  }
}
