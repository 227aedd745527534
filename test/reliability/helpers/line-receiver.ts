import type { Buffer } from "node:buffer";
import { appendFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { kernelTcpBytes } from "./kernel-tcp-queues.ts";

/**
 * A plain TCP syslog receiver standing in for Devo's side: each `<PRI>date time host tag: message` line is
 * appended to a jsonl file as `{"tag","message"}` (the ledger's format). It can be stopped — open connections
 * destroyed, unread bytes lost, as when a receiver dies — and started again on the same port.
 */
export class LineReceiver {
  readonly #file: string;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;
  lines = 0;
  /** Bytes read from all connections so far. */
  bytesRead = 0;

  constructor(file: string) {
    this.#file = file;
  }

  async start(port = this.port): Promise<void> {
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      let rest = "";
      const decoder = new StringDecoder("utf8");
      socket.on("data", (chunk: Buffer) => {
        this.bytesRead += chunk.byteLength;
        const lines = (rest + decoder.write(chunk)).split("\n");
        rest = lines.pop() ?? "";
        let out = "";
        for (const line of lines) {
          const match = /^<\d+>\S+ \S+ \S+ (\S+): (.*)$/.exec(line);
          if (!match) continue;
          this.lines++;
          out += `${JSON.stringify({ tag: match[1], message: match[2] })}\n`;
        }
        if (out) appendFileSync(this.#file, out);
      });
      socket.on("error", () => undefined);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    const address = server.address();
    this.port = typeof address === "object" && address ? address.port : port;
  }

  /**
   * Resolves once this receiver has read every byte that, at the time of the call, was already on its way to it:
   * written by a sender into the kernel (its socket's send queue) or received by the kernel and not read yet.
   *
   * A TCP syslog output counts a write as delivered once the connection stayed up for `settle_ms` after the write
   * reached the kernel; it cannot know when the receiver reads it. This receiver runs in the test's own process,
   * whose event loop is busy with fauxqs, the proxy and the ledger, so on a loaded machine it can read a write more
   * than `settle_ms` after the worker counted it (and deleted its message): checking the ledger at that moment
   * reported a delivered event as missing. Waiting for exactly the bytes in flight keeps the check strict: an event
   * the worker had not written yet, or that was lost with a dropped connection, is still missing afterwards.
   */
  async caughtUp(timeoutMs = 30_000): Promise<void> {
    const target = this.bytesRead + kernelTcpBytes(this.port, { senders: true });
    const deadline = Date.now() + timeoutMs;
    // Stopped: what was in flight is lost, which is what the caller must see. Nothing queued: everything was read.
    while (this.bytesRead < target && this.#server !== undefined && kernelTcpBytes(this.port, { senders: true }) > 0) {
      if (Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
