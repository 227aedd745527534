import { appendFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";

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

  constructor(file: string) {
    this.#file = file;
  }

  async start(port = this.port): Promise<void> {
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      let rest = "";
      socket.setEncoding("utf8");
      socket.on("data", (text: string) => {
        const lines = (rest + text).split("\n");
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

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
