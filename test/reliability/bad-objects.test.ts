import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { cloudTrailFileBody, generateCloudTrailFile } from "../../scripts/fixtures/cloudtrail-generator.ts";
import { waitFor } from "../helpers/worker-process.ts";
import { Scenario } from "./helpers/scenario.ts";

const PREFIX = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/22";

describe("corrupt, truncated and empty objects; poison messages", () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 5, maxReceiveCount: 3 });
  });
  after(async () => {
    await scenario.stop();
  });

  it("delivers the good objects, sends the bad ones to the DLQ with a log line, and never deletes them", async (t) => {
    await scenario.uploadAndAnnounce(6, () => 700, 903);
    const valid = gzipSync(cloudTrailFileBody(generateCloudTrailFile({ seed: 5, records: 400 })));
    const bad = {
      corrupt: `${PREFIX}/corrupt.json.gz`,
      truncated: `${PREFIX}/truncated.json.gz`,
      missing: `${PREFIX}/never-written.json.gz`,
    };
    // gzip magic and header, then bytes that are no deflate stream.
    await scenario.aws.put(
      bad.corrupt,
      Buffer.concat([valid.subarray(0, 10), Buffer.from("this is not deflate data at all".repeat(40))]),
    );
    await scenario.aws.put(bad.truncated, valid.subarray(0, Math.floor(valid.byteLength * 0.6)));
    const empty = `${PREFIX}/empty.json.gz`;
    await scenario.aws.put(empty, new Uint8Array(0));
    for (const key of [...Object.values(bad), empty]) scenario.aws.announce([{ key }], "direct");
    scenario.aws.server.sendMessage("devo-demo-cloudtrail", "this is not a notification");
    scenario.aws.server.sendMessage(
      "devo-demo-cloudtrail",
      JSON.stringify({ Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put" }] }),
    );

    const worker = await scenario.startWorker(true);
    const { code } = await worker.exited;
    const stderr = worker.stderr();
    assert.equal(code, 0, stderr);
    await waitFor(() => scenario.queueDepth().dlq >= 5, 5_000, "five messages in the DLQ");

    const result = scenario.ledger.result();
    t.diagnostic(
      `good events ${result.expected}, duplicates ${result.duplicates}, queue ${JSON.stringify(scenario.queueDepth())}`,
    );
    assert.equal(result.missing, 0, "every event of the good objects delivered");
    assert.deepEqual(result.violations, []);
    const depth = scenario.queueDepth();
    assert.equal(depth.ready + depth.inflight + depth.delayed, 0);
    // Three bad objects and two poison messages; the empty object holds no events and is not an error.
    assert.equal(depth.dlq, 5);
    for (const key of Object.values(bad)) assert.ok(stderr.includes(key), `a log line names ${key}`);
    assert.match(stderr, /unrecognised message left for the dead-letter queue/);
  });
});
