import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthState {
  /** False once the worker is shutting down, so orchestrators stop routing to it. */
  healthy(): boolean;
}

/** Serves `/metrics` (Prometheus text format) and `/healthz` on the given port (0 picks a free one). */
export async function startObservabilityServer(
  port: number,
  host: string,
  registry: Registry,
  health: HealthState,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { "content-type": registry.contentType });
          response.end(text);
        },
        (error: Error) => {
          response.writeHead(500, { "content-type": "text/plain" });
          response.end(`metrics failed: ${error.message}\n`);
        },
      );
      return;
    }
    if (path === "/healthz") {
      const ok = health.healthy();
      response.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: ok ? "ok" : "stopping" }));
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found: try /metrics or /healthz\n");
  });
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
