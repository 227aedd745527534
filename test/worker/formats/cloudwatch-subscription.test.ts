import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { read, tags } from "./read-helpers.ts";

// Payload shape from CloudWatch Logs "Subscription filters" (Firehose delivery): each payload is one gzip member.
function payload(logGroup: string, logStream: string, messages: string[]): Record<string, unknown> {
  return {
    messageType: "DATA_MESSAGE",
    owner: "111122223333",
    logGroup,
    logStream,
    subscriptionFilters: ["to-firehose"],
    logEvents: messages.map((message, i) => ({ id: `3719581237${i}`, timestamp: 1709287200000 + i, message })),
  };
}

const control = {
  messageType: "CONTROL_MESSAGE",
  owner: "CloudwatchLogs",
  logGroup: "",
  logStream: "",
  subscriptionFilters: [],
  logEvents: [
    { id: "", timestamp: 1709287200000, message: "CWL CONTROL MESSAGE: Checking health of destination Firehose." },
  ],
};

function firehoseObject(values: unknown[]): Buffer {
  return Buffer.concat(values.map((value) => zlib.gzipSync(JSON.stringify(value))));
}

describe("aws_sqs_cloudwatch", () => {
  it("gives one event per log event of every DATA_MESSAGE member, and none for CONTROL_MESSAGE", async () => {
    const body = firehoseObject([
      control,
      payload("/aws/lambda/orders", "2024/03/01/[$LATEST]abc", ["START RequestId: 1", "Traceback:\n  line 3\r\nError"]),
      payload("/ecs/web", "web/web/1", ["GET /health 200"]),
    ]);
    const { events, stats } = await read("aws_sqs_cloudwatch", body, { chunkSize: 50 });
    assert.deepEqual(tags(events), Array(3).fill("cloud.aws.cloudwatch.logs"));
    assert.deepEqual(
      events.map((e) => e.message),
      ["START RequestId: 1", "Traceback:\\n  line 3\\r\\nError", "GET /health 200"],
    );
    assert.equal(events[1].time?.getTime(), 1709287200001);
    assert.deepEqual(stats.ignored, { "CloudWatch Logs CONTROL_MESSAGE": 1 });
  });

  it("skips and counts payloads and log events of the wrong shape", async () => {
    const broken = { ...payload("/g", "s", ["ok"]), logEvents: [{ id: "1", timestamp: 1 }, { message: "kept" }] };
    const { events, stats } = await read("aws_sqs_cloudwatch", firehoseObject([broken, { hello: 1 }]));
    assert.deepEqual(
      events.map((e) => e.message),
      ["kept"],
    );
    assert.deepEqual(stats.skipReasons, {
      "log event without message": 1,
      "not a CloudWatch Logs subscription payload": 1,
    });
  });
});

describe("aws_sqs_cloudwatch_vpc", () => {
  it("turns the flow-log lines inside the payloads into cloud.aws.vpc.flow events", async () => {
    const line =
      "2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.12 10.0.2.40 49152 443 6 12 6016 1709287200 1709287260 ACCEPT OK";
    const { events } = await read("aws_sqs_cloudwatch_vpc", firehoseObject([payload("vpc-flow", "eni-0a1b", [line])]));
    assert.deepEqual(tags(events), ["cloud.aws.vpc.flow"]);
    assert.equal(events[0].message, line);
  });
});

describe("aws_sqs_os", () => {
  it("routes Windows event logs to box.win_cloudwatch and the rest to box.unix_cloudwatch", async () => {
    const body = firehoseObject([
      payload("/ec2/windows/System", "i-0abc", [
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">',
      ]),
      payload("/var/log/secure", "i-0def", ["Mar  1 10:00:00 ip-10-0-0-1 sshd[123]: Accepted publickey for ec2-user"]),
      payload("/custom/app", "i-0ghi", ['{"EventID": 4624, "Channel": "Security"}']),
    ]);
    const { events } = await read("aws_sqs_os", body);
    assert.deepEqual(tags(events), ["box.win_cloudwatch", "box.unix_cloudwatch", "box.win_cloudwatch"]);
  });
});
