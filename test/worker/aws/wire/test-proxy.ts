import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import net from "node:net";

export interface ProxiedRequest {
  /** `CONNECT host:port` or the absolute-form request line's method and URL. */
  method: string;
  target: string;
  proxyAuthorization?: string;
}

/**
 * An HTTP forward proxy written for the tests: plain HTTP requests in absolute form (`GET http://host/path`),
 * HTTPS in CONNECT tunnels. It records what it was asked and connects every `*.localhost` name to 127.0.0.1, so
 * virtual-hosted S3 names (`bucket.localhost:port`) reach the emulator without wildcard DNS.
 */
export class TestProxy {
  readonly seen: ProxiedRequest[] = [];
  readonly #sockets = new Set<Socket>();
  #server: http.Server | undefined;
  /** Answers CONNECT with this status instead of opening the tunnel. */
  refuseConnectWith: number | undefined;

  async start(): Promise<string> {
    const server = http.createServer((request, response) => {
      const authorization = request.headers["proxy-authorization"];
      this.seen.push({
        method: request.method ?? "",
        target: request.url ?? "",
        ...(authorization === undefined ? {} : { proxyAuthorization: String(authorization) }),
      });
      // Split by hand: a URL parser would resolve the `.` and `..` segments the tests send on purpose.
      const [, hostname = "", port = "80", path = "/"] =
        /^http:\/\/([^/:]+)(?::(\d+))?(\/.*)?$/.exec(request.url ?? "") ?? [];
      const headers = { ...request.headers };
      delete headers["proxy-authorization"];
      const upstream = http.request(
        { hostname: resolveName(hostname), port: Number(port), method: request.method, path, headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on("error", () => {
        response.writeHead(502);
        response.end();
      });
      request.pipe(upstream);
    });
    server.on("connect", (request: http.IncomingMessage, client: Socket, head: Buffer) => {
      const authorization = request.headers["proxy-authorization"];
      this.seen.push({
        method: "CONNECT",
        target: request.url ?? "",
        ...(authorization === undefined ? {} : { proxyAuthorization: String(authorization) }),
      });
      this.#sockets.add(client);
      if (this.refuseConnectWith !== undefined) {
        client.end(`HTTP/1.1 ${this.refuseConnectWith} Refused\r\n\r\n`);
        return;
      }
      const [host, port] = (request.url ?? "").split(/:(?=\d+$)/);
      const upstream = net.connect(Number(port), resolveName(host), () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.#sockets.add(upstream);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    server.on("connection", (socket: Socket) => this.#sockets.add(socket));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

function resolveName(hostname: string): string {
  return hostname === "localhost" || hostname.endsWith(".localhost") ? "127.0.0.1" : hostname;
}
