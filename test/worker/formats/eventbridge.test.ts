import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readInlineEvents } from "../../../worker/formats/read-inline-events.ts";
import { newParseStats } from "../../../worker/services/service-definition.ts";
import { service } from "./read-helpers.ts";

// Shapes from EventBridge's event structure reference and Security Hub's EventBridge formats (ASFF findings).
const ec2StateChange = {
  version: "0",
  id: "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2024-03-01T10:00:00Z",
  region: "eu-west-1",
  resources: ["arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"],
  detail: { "instance-id": "i-0abc", state: "running" },
};

function finding(id: string): Record<string, unknown> {
  return {
    SchemaVersion: "2018-10-08",
    Id: id,
    ProductArn: "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
    GeneratorId: "aws-foundational-security-best-practices/v/1.0.0/EC2.8",
    AwsAccountId: "111122223333",
    Types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
    CreatedAt: "2024-02-01T00:00:00.000Z",
    UpdatedAt: "2024-03-01T09:59:00.000Z",
    Severity: { Label: "HIGH", Original: "HIGH" },
    Title: "EC2 instances should use IMDSv2",
    Resources: [{ Type: "AwsEc2Instance", Id: "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc" }],
    RecordState: "ACTIVE",
  };
}

const findingsImported = {
  ...ec2StateChange,
  "detail-type": "Security Hub Findings - Imported",
  source: "aws.securityhub",
  detail: { findings: [finding("f-1"), finding("f-2")] },
};

function context(options: Record<string, unknown>, name: string) {
  return { bucket: "", key: "message-1", options: service(name, "aws").options.parse(options), stats: newParseStats() };
}

describe("service-events-all", () => {
  it("tags every event cloud.aws.cloudwatch.events, or by source with auto_event_type", () => {
    const body = JSON.stringify(ec2StateChange);
    const plain = readInlineEvents(service("service-events-all", "aws"), body, context({}, "service-events-all"));
    assert.equal(plain.length, 1);
    assert.equal(plain[0].tag, "cloud.aws.cloudwatch.events");
    assert.deepEqual(JSON.parse(plain[0].message), ec2StateChange);
    assert.equal(plain[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
    const auto = context({ auto_event_type: true }, "service-events-all");
    assert.equal(readInlineEvents(service("service-events-all", "aws"), body, auto)[0].tag, "cloud.aws.cloudwatch.ec2");
    assert.equal(auto.stats.events, 1);
  });

  it("unwraps an SNS notification and counts bodies that are no event", () => {
    const sns = JSON.stringify({ Type: "Notification", MessageId: "m", Message: JSON.stringify(ec2StateChange) });
    const ctx = context({}, "service-events-all");
    const svc = service("service-events-all", "aws");
    assert.equal(readInlineEvents(svc, sns, ctx).length, 1);
    assert.deepEqual(readInlineEvents(svc, "not json", ctx), []);
    assert.deepEqual(readInlineEvents(svc, '{"Records":[]}', ctx), []);
    assert.deepEqual(ctx.stats.skipReasons, { "message body is not JSON": 1, "not an EventBridge event": 1 });
  });
});

describe("sqs-cloudwatch-consumer", () => {
  it("gives one event per Security Hub finding", () => {
    const ctx = context({}, "sqs-cloudwatch-consumer");
    const events = readInlineEvents(service("sqs-cloudwatch-consumer", "aws"), JSON.stringify(findingsImported), ctx);
    assert.deepEqual(
      events.map((event) => event.tag),
      ["cloud.aws.securityhub.findings", "cloud.aws.securityhub.findings"],
    );
    assert.equal(JSON.parse(events[1].message).Id, "f-2");
    assert.equal(events[0].time?.toISOString(), "2024-03-01T09:59:00.000Z");
    assert.equal(ctx.stats.events, 2);
    const none = readInlineEvents(service("sqs-cloudwatch-consumer", "aws"), JSON.stringify(ec2StateChange), ctx);
    assert.deepEqual(none, []);
    assert.deepEqual(ctx.stats.skipReasons, { "EventBridge event without detail.findings": 1 });
  });
});
