import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { DEMO, type EmbeddedAws, startEmbeddedAws } from "../../../scripts/fixtures/demo-stack.ts";
import { startInProcessWorker } from "../../helpers/in-process-worker.ts";
import { MemoryOutput } from "../../helpers/memory-output.ts";

const event = (id: string, detail: unknown) =>
  `{"version":"0","id":"${id}","detail-type":"Custom","source":"com.example.app","account":"123456789012","time":"2026-12-02T10:00:00Z","region":"us-east-1","resources":[],"detail":${typeof detail === "string" ? detail : JSON.stringify(detail)}}`;

describe("an EventBridge event nested thousands of levels deep, carried in a message", () => {
  let aws: EmbeddedAws;
  beforeEach(async () => {
    aws = await startEmbeddedAws();
  });
  afterEach(async () => {
    await aws.stop();
  });

  it("is skipped alone: the events around it are delivered and every message is deleted", async () => {
    const depth = 20_000;
    aws.server.sendMessage(DEMO.queue, event("before", { ok: 1 }));
    aws.server.sendMessage(DEMO.queue, event("deep", `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`));
    aws.server.sendMessage(DEMO.queue, event("after", { ok: 2 }));
    const output = new MemoryOutput();
    const summary = await startInProcessWorker(
      {
        outputs: { memory: { type: "console" } },
        inputs: {
          aws: {
            region: DEMO.region,
            base_url: aws.queueUrl,
            endpoint_url: aws.endpoint,
            credentials: { access_key: DEMO.credentials.accessKeyId, access_secret: DEMO.credentials.secretAccessKey },
            sqs_wait_timeout: 1,
            services: { "service-events-all": {} },
          },
        },
      },
      [output],
      { untilIdle: true },
    ).done;
    assert.deepEqual(output.events.map((e) => (JSON.parse(e.message) as { id: string }).id).sort(), [
      "after",
      "before",
    ]);
    assert.equal(summary.workFailed, 0);
    const queue = aws.server.inspectQueue(DEMO.queue)?.messages;
    assert.equal((queue?.ready.length ?? 0) + (queue?.inflight.length ?? 0) + (queue?.delayed.length ?? 0), 0);
    assert.equal(aws.server.inspectQueue(DEMO.dlq)?.messages.ready.length ?? 0, 0);
  });
});
