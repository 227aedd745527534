import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { cloudTrailFileBody, generateCloudTrailFile } from "../../../scripts/fixtures/cloudtrail-generator.ts";
import { DEMO, type EmbeddedAws, startEmbeddedAws, workerConfigFor } from "../../../scripts/fixtures/demo-stack.ts";
import { startInProcessWorker } from "../../helpers/in-process-worker.ts";
import { MemoryOutput } from "../../helpers/memory-output.ts";

const OUTPUTS = { memory: { type: "console" } };
const ACCOUNT = "111122223333";

const trailKey = (n: number) =>
  `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/12/02/${ACCOUNT}_CloudTrail_eu-west-1_20261202T10${n}0Z_x${n}.json.gz`;
const flowKey = (n: number) =>
  `AWSLogs/${ACCOUNT}/vpcflowlogs/eu-west-1/2026/12/02/${ACCOUNT}_vpcflowlogs_eu-west-1_fl-0a_20261202T10${n}0Z_y${n}.log.gz`;
const FLOW_HEADER =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
const flowLine = (n: number) =>
  `2 ${ACCOUNT} eni-0a1b 10.0.0.${n} 10.0.1.9 443 4915${n} 6 10 5200 1764669600 1764669660 ACCEPT OK`;

function queueDepth(aws: EmbeddedAws, name: string) {
  const messages = aws.server.inspectQueue(name)?.messages;
  return (messages?.ready.length ?? 0) + (messages?.inflight.length ?? 0) + (messages?.delayed.length ?? 0);
}

describe("several services on one queue", () => {
  let aws: EmbeddedAws;
  beforeEach(async () => {
    aws = await startEmbeddedAws({ maxReceiveCount: 2 });
  });
  afterEach(async () => {
    await aws.stop();
  });

  it("CloudTrail and VPC Flow Logs on one queue: every event under its own table, none lost, queue drained", async () => {
    const trailIds: string[] = [];
    for (let n = 0; n < 4; n++) {
      const file = generateCloudTrailFile({ seed: 20 + n, records: 3 });
      trailIds.push(...file.records.map((record) => record.eventID as string));
      await aws.put(trailKey(n), gzipSync(cloudTrailFileBody(file)));
      await aws.put(flowKey(n), gzipSync(`${FLOW_HEADER}\n${flowLine(n)}\n${flowLine(n + 5)}\n`));
    }
    // Each kind alone, and both kinds in one message, directly and through SNS.
    aws.announce([{ key: trailKey(0) }], "direct");
    aws.announce([{ key: flowKey(0) }], "direct");
    aws.announce([{ key: trailKey(1) }, { key: flowKey(1) }], "direct");
    aws.announce([{ key: flowKey(2) }, { key: trailKey(2) }], "sns");
    aws.announce([{ key: trailKey(3) }, { key: flowKey(3) }], "sns");

    const output = new MemoryOutput();
    const config = workerConfigFor(aws, OUTPUTS, { services: { aws_sqs_cloudtrail: {}, aws_sqs_vpc: {} } });
    const summary = await startInProcessWorker(config, [output], { untilIdle: true }).done;

    const trail = output.events.filter((event) => event.tag.startsWith("cloud.aws.cloudtrail."));
    const flow = output.events.filter((event) => event.tag === "cloud.aws.vpc.flow");
    assert.deepEqual(
      trail.map((event) => (JSON.parse(event.message) as { eventID: string }).eventID).sort(),
      [...trailIds].sort(),
      "every CloudTrail record, once",
    );
    assert.equal(flow.length, 8, "every flow record, once");
    assert.ok(
      flow.every((event) => event.message.startsWith("2 ")),
      "no CloudTrail JSON parsed as a flow log",
    );
    assert.equal(output.events.length, trail.length + flow.length, "no event under another table");
    assert.equal(summary.workFailed, 0);
    assert.equal(queueDepth(aws, DEMO.queue), 0, "queue drained");
    assert.equal(queueDepth(aws, DEMO.dlq), 0, "nothing in the DLQ");
  });

  it("an object no service on the queue takes goes to the DLQ, with its message, unread", async () => {
    const configKey = `AWSLogs/${ACCOUNT}/Config/eu-west-1/2026/12/02/ConfigHistory/x.json.gz`;
    await aws.put(configKey, gzipSync('{"configurationItems":[]}'));
    await aws.put(flowKey(1), gzipSync(`${FLOW_HEADER}\n${flowLine(1)}\n`));
    aws.announce([{ key: flowKey(1) }, { key: configKey }], "direct");

    const output = new MemoryOutput();
    const config = workerConfigFor(aws, OUTPUTS, {
      services: { aws_sqs_cloudtrail: {}, aws_sqs_vpc: {} },
      retry_backoff_seconds: 0,
      sqs_wait_timeout: 1,
    });
    await startInProcessWorker(config, [output], { untilIdle: true }).done;

    // Rejected before anything is read: the flow object of the same message is not delivered twice later.
    assert.equal(output.events.length, 0);
    assert.equal(queueDepth(aws, DEMO.queue), 0);
    assert.equal(queueDepth(aws, DEMO.dlq), 1, "the message is in the DLQ, not deleted");
  });

  it("an object every service's filters leave out is ignored on purpose and its message deleted", async () => {
    const insightKey = `AWSLogs/${ACCOUNT}/CloudTrail-Insight/eu-west-1/2026/12/02/${ACCOUNT}_CloudTrail-Insight_x.json.gz`;
    await aws.put(insightKey, gzipSync('{"Records":[]}'));
    aws.announce([{ key: insightKey }], "direct");
    const output = new MemoryOutput();
    const config = workerConfigFor(aws, OUTPUTS, {
      services: {
        aws_sqs_cloudtrail: { s3_file_type_filter: "/CloudTrail/" },
        custom_service: {
          file_format: "line_split_processor",
          routing_template: "my.app.logs",
          filename_filter_rules: [[{ type: "match", pattern: "AWSLogs/" }]],
        },
      },
    });
    const summary = await startInProcessWorker(config, [output], { untilIdle: true }).done;
    assert.equal(output.events.length, 0);
    assert.equal(summary.workFailed, 0);
    assert.equal(queueDepth(aws, DEMO.queue), 0);
    assert.equal(queueDepth(aws, DEMO.dlq), 0);
  });
});
