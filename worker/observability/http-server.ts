import type { Server } from "node:http";
import type { Registry } from "prom-client";
import { http } from "../runtime/node-http.ts";
import type { HealthReport } from "./health.ts";

export interface HealthState {
  /** `ok`; `stopping` once the worker is shutting down; `unhealthy` when it is stuck (see HealthMonitor). */
  check(): HealthReport;
}

/**
 * Connections served at once. Prometheus and a health probe need one or two; the cap keeps a flood of idle
 * connections (the server listens on every interface by default, for container health checks) from costing more
 * than a few sockets. Connections over it are closed at once by the server.
 */
export const MAX_CONNECTIONS = 16;

/**
 * Serves `/metrics` (Prometheus text format) and `/healthz` on the given port (0 picks a free one). Read-only: GET
 * and HEAD; any other method is answered 405.
 */
export async function startObservabilityServer(
  port: number,
  host: string,
  registry: Registry,
  health: HealthState,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const method = request.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      response.end("method not allowed: GET or HEAD\n");
      return;
    }
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { "content-type": registry.contentType });
          response.end(method === "HEAD" ? undefined : text);
        },
        (error: Error) => {
          response.writeHead(500, { "content-type": "text/plain" });
          response.end(`metrics failed: ${error.message}\n`);
        },
      );
      return;
    }
    if (path === "/healthz") {
      const report = health.check();
      response.writeHead(report.status === "ok" ? 200 : 503, { "content-type": "application/json" });
      response.end(method === "HEAD" ? undefined : JSON.stringify(report));
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found: try /metrics or /healthz\n");
  });
  server.maxConnections = MAX_CONNECTIONS;
  // A client that opens a connection and sends nothing, or dribbles its headers, is cut off soon.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  return {
    server,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
