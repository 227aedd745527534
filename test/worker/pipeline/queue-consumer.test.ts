import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { cloudTrailFileBody, generateCloudTrailFile } from "../../../scripts/fixtures/cloudtrail-generator.ts";
import {
  DEMO,
  type EmbeddedAws,
  startEmbeddedAws,
  uploadCloudTrailFiles,
  workerConfigFor,
} from "../../../scripts/fixtures/demo-stack.ts";
import { counterValue, startInProcessWorker } from "../../helpers/in-process-worker.ts";
import { MemoryOutput } from "../../helpers/memory-output.ts";
import {
  cloudTrailSnsNotification,
  eventBridgeObjectCreated,
  fdrNotification,
  s3EventNotification,
  s3TestEvent,
  snsEnvelope,
} from "../../helpers/notifications.ts";

const OUTPUTS = { memory: { type: "console" } };

function fastRetries(extra: Record<string, unknown> = {}) {
  return { retry_backoff_seconds: 0, sqs_wait_timeout: 1, ...extra };
}

function queueDepth(aws: EmbeddedAws, name: string = DEMO.queue) {
  const messages = aws.server.inspectQueue(name)?.messages;
  return {
    ready: messages?.ready.length ?? 0,
    inflight: messages?.inflight.length ?? 0,
    delayed: messages?.delayed.length ?? 0,
  };
}

async function putCloudTrail(aws: EmbeddedAws, key: string, records: number, seed: number) {
  const file = generateCloudTrailFile({ seed, records });
  await aws.put(key, gzipSync(cloudTrailFileBody(file)));
  return file.records.map((record) => record.eventID as string);
}

function eventIds(output: MemoryOutput): string[] {
  return output.events.map((event) => (JSON.parse(event.message) as { eventID: string }).eventID);
}

describe("queue consumer against fauxqs", () => {
  let aws: EmbeddedAws;
  beforeEach(async () => {
    aws = await startEmbeddedAws({ maxReceiveCount: 3 });
  });
  afterEach(async () => {
    await aws.stop();
  });

  it("reads objects announced in every notification shape and deletes each message", async () => {
    const ids: string[] = [];
    const keys = [
      "direct.json.gz",
      "sns.json.gz",
      "eventbridge.json.gz",
      "cloudtrail-sns.json.gz",
      "sns-cloudtrail.json.gz",
    ];
    for (const [index, key] of keys.entries())
      ids.push(...(await putCloudTrail(aws, `AWSLogs/1/CloudTrail/us-east-1/${key}`, 20, index)));
    const k = (name: string) => `AWSLogs/1/CloudTrail/us-east-1/${name}`;
    aws.server.sendMessage(DEMO.queue, s3EventNotification([{ bucket: DEMO.bucket, key: k("direct.json.gz") }]));
    aws.server.sendMessage(
      DEMO.queue,
      snsEnvelope(s3EventNotification([{ bucket: DEMO.bucket, key: k("sns.json.gz") }])),
    );
    aws.server.sendMessage(DEMO.queue, eventBridgeObjectCreated(DEMO.bucket, k("eventbridge.json.gz")));
    aws.server.sendMessage(DEMO.queue, cloudTrailSnsNotification(DEMO.bucket, [k("cloudtrail-sns.json.gz")]));
    aws.server.publish(DEMO.topic, cloudTrailSnsNotification(DEMO.bucket, [k("sns-cloudtrail.json.gz")]));

    const output = new MemoryOutput();
    const worker = startInProcessWorker(workerConfigFor(aws, OUTPUTS, fastRetries()), [output]);
    const summary = await worker.done;
    assert.deepEqual(eventIds(output).sort(), ids.sort());
    assert.equal(summary.workAcked, 5);
    assert.equal(await counterValue(worker.metrics, "messagesDeleted"), 5);
    assert.equal(await counterValue(worker.metrics, "readAheadBytes"), 0, "every byte read ahead was parsed");
    assert.deepEqual(queueDepth(aws), { ready: 0, inflight: 0, delayed: 0 });
  });

  it("reads keys with spaces, +, %2B, = and non-ASCII", async () => {
    const keys = [
      "logs/with space.json.gz",
      "logs/plus+sign.json.gz",
      "logs/pct%2Bliteral.json.gz",
      "logs/a=b/c=d.json.gz",
      "logs/ünïcödé/日本.json.gz",
    ];
    const ids: string[] = [];
    for (const [index, key] of keys.entries()) ids.push(...(await putCloudTrail(aws, key, 5, 100 + index)));
    aws.announce(
      keys.map((key) => ({ key })),
      "direct",
    );
    const output = new MemoryOutput();
    const summary = await startInProcessWorker(workerConfigFor(aws, OUTPUTS, fastRetries()), [output]).done;
    assert.equal(summary.workFailed, 0);
    assert.deepEqual(eventIds(output).sort(), ids.sort());
  });

  it("deletes s3:TestEvent, direct and wrapped, quietly", async () => {
    aws.server.sendMessage(DEMO.queue, s3TestEvent(DEMO.bucket));
    aws.server.publish(DEMO.topic, s3TestEvent(DEMO.bucket));
    const output = new MemoryOutput();
    const worker = startInProcessWorker(workerConfigFor(aws, OUTPUTS, fastRetries()), [output]);
    const summary = await worker.done;
    assert.equal(summary.workFailed, 0);
    assert.equal(output.events.length, 0);
    assert.equal(await counterValue(worker.metrics, "messagesIgnored"), 2);
    assert.deepEqual(queueDepth(aws), { ready: 0, inflight: 0, delayed: 0 });
    assert.equal(queueDepth(aws, DEMO.dlq).ready, 0);
  });

  it("leaves an unrecognised message for the DLQ, never deleting it", async () => {
    aws.server.sendMessage(DEMO.queue, '{"hello":"world"}');
    const worker = startInProcessWorker(workerConfigFor(aws, OUTPUTS, fastRetries()), [new MemoryOutput()]);
    await worker.done;
    assert.equal(await counterValue(worker.metrics, "messagesDeleted"), 0);
    const dlq = aws.server.inspectQueue(DEMO.dlq)?.messages.ready ?? [];
    assert.equal(dlq.length, 1);
    assert.equal(dlq[0].body, '{"hello":"world"}');
  });

  it("sends a missing object's message to the DLQ after maxReceiveCount, deleting nothing", async () => {
    aws.announce([{ key: "AWSLogs/1/CloudTrail/us-east-1/missing.json.gz" }], "direct");
    const worker = startInProcessWorker(workerConfigFor(aws, OUTPUTS, fastRetries()), [new MemoryOutput()]);
    const summary = await worker.done;
    assert.equal(summary.workFailed, 3, "received and failed maxReceiveCount times");
    assert.equal(await counterValue(worker.metrics, "messagesDeleted"), 0);
    assert.equal(await counterValue(worker.metrics, "objectFailures"), 3);
    const dlq = aws.server.inspectQueue(DEMO.dlq)?.messages.ready ?? [];
    assert.equal(dlq.length, 1);
    assert.match(dlq[0].body, /missing\.json\.gz/);
  });

  it("redelivers after an output failure and then delivers once", async () => {
    const ids = await putCloudTrail(aws, "AWSLogs/1/CloudTrail/us-east-1/retry.json.gz", 30, 9);
    aws.announce([{ key: "AWSLogs/1/CloudTrail/us-east-1/retry.json.gz" }], "sns");
    const output = new MemoryOutput();
    output.failNext = 1;
    const worker = startInProcessWorker(workerConfigFor(aws, OUTPUTS, fastRetries()), [output]);
    const summary = await worker.done;
    assert.equal(summary.workFailed, 1);
    assert.equal(summary.workAcked, 1);
    assert.equal(await counterValue(worker.metrics, "messagesReturned", { reason: "failed" }), 1);
    assert.deepEqual(eventIds(output).sort(), ids.sort());
  });

  it("keeps a slow object invisible with the heartbeat, so a second worker does not take it", async () => {
    const ids = await putCloudTrail(aws, "AWSLogs/1/CloudTrail/us-east-1/slow.json.gz", 10, 11);
    aws.announce([{ key: "AWSLogs/1/CloudTrail/us-east-1/slow.json.gz" }], "direct");
    const config = workerConfigFor(aws, OUTPUTS, fastRetries({ sqs_visibility_timeout: 2 }));
    const slow = new MemoryOutput("slow");
    slow.delayMs = 6000;
    const first = startInProcessWorker(config, [slow]);
    // The second worker starts polling only once the first one holds the message. A fixed pause was a guess at how
    // long the first worker's start-up and first receive take; on a slow or loaded machine the second worker could
    // poll first, take the message, and fail "the second worker got nothing".
    const deadline = Date.now() + 10_000;
    while (queueDepth(aws).inflight === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(queueDepth(aws), { ready: 0, inflight: 1, delayed: 0 }, "the first worker took the message");
    const other = new MemoryOutput("other");
    const second = startInProcessWorker(config, [other]);
    const [summaryA, summaryB] = await Promise.all([first.done, second.done]);
    assert.equal(other.events.length, 0, "the second worker got nothing");
    assert.deepEqual(eventIds(slow).sort(), ids.sort());
    assert.equal(summaryA.workAcked + summaryB.workAcked, 1);
    assert.ok((await counterValue(first.metrics, "visibilityExtensions")) >= 2);
  });

  it("shares one queue between two workers, each object processed once", async () => {
    const files = await uploadCloudTrailFiles(aws, 20, () => 25, 3);
    for (const [index, file] of files.entries()) aws.announce([{ key: file.key }], index % 2 ? "sns" : "direct");
    const a = new MemoryOutput("a");
    const b = new MemoryOutput("b");
    const config = workerConfigFor(aws, OUTPUTS, fastRetries({ sqs_max_messages: 2 }));
    const [summaryA, summaryB] = await Promise.all([
      startInProcessWorker(config, [a]).done,
      startInProcessWorker(config, [b]).done,
    ]);
    const all = [...eventIds(a), ...eventIds(b)];
    const expected = files.flatMap((file) => file.records.map((record) => record.eventID as string));
    assert.equal(all.length, expected.length, "no duplicates");
    assert.deepEqual(all.sort(), expected.sort());
    assert.equal(summaryA.workAcked + summaryB.workAcked, 20);
    assert.ok(summaryA.workAcked > 0 && summaryB.workAcked > 0, "both workers took part");
  });

  it("takes no more messages than it can start: the rest stay on the queue for other workers", async () => {
    const files = await uploadCloudTrailFiles(aws, 10, () => 5, 5);
    for (const file of files) aws.announce([{ key: file.key }], "direct");
    const output = new MemoryOutput("slow");
    output.delayMs = 500;
    // sqs_max_messages stays at its default (10): the receive asks for what two slots can start.
    const worker = startInProcessWorker(workerConfigFor(aws, OUTPUTS, fastRetries()), [output], { concurrency: 2 });
    // Both slots busy (each object's one batch is at the slow output): nothing frees a slot for half a second.
    const deadline = Date.now() + 10_000;
    while (output.sends < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const held = queueDepth(aws);
    const summary = await worker.done;
    assert.equal(held.inflight, 2, "in flight: what the two slots are working on, nothing waiting in the worker");
    assert.equal(held.ready, 8);
    assert.equal(summary.workAcked, 10);
    assert.equal(output.events.length, 50);
    assert.equal(queueDepth(aws).inflight + queueDepth(aws).ready, 0);
  });

  it("reads CrowdStrike FDR messages for aws_sqs_fdr", async () => {
    const lines = [
      '{"event_simpleName":"ProcessRollup2","aid":"a1","timestamp":"1700000000000"}',
      '{"event_simpleName":"DnsRequest","aid":"a2","timestamp":"1700000000001"}',
    ];
    await aws.put("data/0001/part-00000.gz", gzipSync(`${lines.join("\n")}\n`));
    aws.server.sendMessage(DEMO.queue, fdrNotification(DEMO.bucket, ["data/0001/part-00000.gz"]));
    const config = workerConfigFor(aws, OUTPUTS, fastRetries({ services: { aws_sqs_fdr: {} } }));
    const output = new MemoryOutput();
    const summary = await startInProcessWorker(config, [output]).done;
    assert.equal(summary.workAcked, 1);
    assert.equal(output.events.length, 2);
    assert.ok(output.events.every((event) => event.tag.startsWith("edr.crowdstrike.cannon")));
  });
});
