import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startObservabilityServer } from "../../../worker/observability/http-server.ts";
import { createMetrics } from "../../../worker/observability/metrics.ts";

describe("observability server", () => {
  it("serves Prometheus metrics and a health check that turns 503 when stopping", async () => {
    const metrics = createMetrics();
    metrics.messagesDeleted.inc({ source: "in/aws_sqs_cloudtrail/us-east-1" }, 3);
    let healthy = true;
    const server = await startObservabilityServer(0, "127.0.0.1", metrics.registry, { healthy: () => healthy });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(text, /devo_collector_messages_deleted_total\{source="in\/aws_sqs_cloudtrail\/us-east-1"\} 3/);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      healthy = false;
      const stopping = await fetch(`${base}/healthz`);
      assert.equal(stopping.status, 503);
      assert.deepEqual(await stopping.json(), { status: "stopping" });
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
