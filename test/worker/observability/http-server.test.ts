import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import type { HealthReport } from "../../../worker/observability/health.ts";
import { MAX_CONNECTIONS, startObservabilityServer } from "../../../worker/observability/http-server.ts";
import { createMetrics } from "../../../worker/observability/metrics.ts";

const OK: HealthReport = { status: "ok", reasons: [] };

describe("observability server", () => {
  it("serves Prometheus metrics and a health check that turns 503 when stopping", async () => {
    const metrics = createMetrics();
    metrics.messagesDeleted.inc({ source: "in/aws_sqs_cloudtrail/us-east-1" }, 3);
    let report: HealthReport = OK;
    const server = await startObservabilityServer(0, "127.0.0.1", metrics.registry, { check: () => report });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(text, /devo_collector_messages_deleted_total\{source="in\/aws_sqs_cloudtrail\/us-east-1"\} 3/);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      report = { status: "stopping", reasons: ["the worker is shutting down"] };
      const stopping = await fetch(`${base}/healthz`);
      assert.equal(stopping.status, 503);
      assert.deepEqual(await stopping.json(), report);
      report = { status: "unhealthy", reasons: ["no delivery has made progress for 400 s with 3 batches pending"] };
      const stuck = await fetch(`${base}/healthz`);
      assert.equal(stuck.status, 503);
      assert.deepEqual(await stuck.json(), report);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });

  it("answers GET and HEAD only: any other method gets 405 with Allow", async () => {
    const metrics = createMetrics();
    const server = await startObservabilityServer(0, "127.0.0.1", metrics.registry, { check: () => OK });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        for (const path of ["/metrics", "/healthz"]) {
          const response = await fetch(`${base}${path}`, { method });
          await response.arrayBuffer();
          assert.equal(response.status, 405, `${method} ${path}`);
          assert.equal(response.headers.get("allow"), "GET, HEAD");
        }
      }
      // fetch refuses TRACE itself: send it by hand.
      const trace = await rawRequest(server.port, "TRACE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assert.match(trace, /^HTTP\/1\.1 405 /);
      const head = await fetch(`${base}/healthz`, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal((await head.arrayBuffer()).byteLength, 0);
      assert.equal((await fetch(`${base}/metrics`, { method: "HEAD" })).status, 200);
    } finally {
      await server.close();
    }
  });

  it(`serves at most ${MAX_CONNECTIONS} connections at once; the next one is closed`, async () => {
    const metrics = createMetrics();
    const server = await startObservabilityServer(0, "127.0.0.1", metrics.registry, { check: () => OK });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        const socket = connect(server.port, "127.0.0.1");
        socket.on("error", () => undefined);
        await new Promise((resolve) => socket.once("connect", resolve));
        held.push(socket);
      }
      // The server has taken every held connection before the extra one arrives.
      while (server.server.listenerCount("connection") > 0 && (await connections(server.server)) < MAX_CONNECTIONS)
        await new Promise((resolve) => setTimeout(resolve, 10));
      const extra = await rawRequest(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assert.equal(extra, "", "the connection over the cap is closed without an answer");
      held.pop()?.destroy();
      while ((await connections(server.server)) >= MAX_CONNECTIONS) await new Promise((r) => setTimeout(r, 10));
      assert.match(
        await rawRequest(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        /^HTTP\/1\.1 200 /,
      );
    } finally {
      for (const socket of held) socket.destroy();
      await server.close();
    }
  });
});

function connections(server: import("node:http").Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** Sends `request` as is and resolves with everything the server answered before closing. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer));
  });
}
