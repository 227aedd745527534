import { createServer, type Server, type Socket } from "node:net";
import { kernelTcpBytes } from "./kernel-tcp-queues.ts";

/**
 * A receiver that accepts TCP connections and never reads from them: the worker's writes fill the kernel's buffers
 * and then stay in its own, as with a Devo relay whose disk is full or whose process is wedged.
 */
export class StalledReceiver {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  port = 0;
  accepted = 0;

  private constructor() {
    this.#server = createServer({ pauseOnConnect: true }, (socket) => {
      this.accepted++;
      this.#sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<StalledReceiver> {
    const receiver = new StalledReceiver();
    const server = receiver.#server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    receiver.port = typeof address === "object" && address ? address.port : 0;
    return receiver;
  }

  /** Bytes the kernel holds unread on this receiver's accepted connections (Linux /proc/net/tcp; elsewhere 0). */
  unreadBytes(): number {
    return kernelTcpBytes(this.port, { senders: false });
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A local port on which nothing listens: connections to it are refused at once. */
export async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The JSON log lines a worker wrote on stderr so far. */
export function logLines(stderr: string): { msg?: string; [key: string]: unknown }[] {
  const lines: { msg?: string }[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      // a torn last line: read again later
    }
  }
  return lines;
}

/** The port of the worker's observability server, once it logged it. */
export function metricsPort(stderr: string): number | undefined {
  const line = logLines(stderr).find((entry) => entry.msg === "serving /metrics and /healthz");
  return typeof line?.port === "number" ? line.port : undefined;
}
