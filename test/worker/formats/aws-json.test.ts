import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { read, tags } from "./read-helpers.ts";

// WAF log fields (WAF developer guide "Log fields"), GuardDuty finding format, AWS Config snapshot/history files.
const waf = {
  timestamp: 1709287200000,
  formatVersion: 1,
  webaclId: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/shop/0123",
  terminatingRuleId: "Default_Action",
  terminatingRuleType: "REGULAR",
  action: "ALLOW",
  httpSourceName: "ALB",
  httpSourceId: "111122223333-app/web-alb/50dc6c495c0c9188",
  ruleGroupList: [],
  rateBasedRuleList: [],
  nonTerminatingMatchingRules: [],
  httpRequest: {
    clientIp: "198.51.100.7",
    country: "FR",
    headers: [{ name: "Host", value: "shop.example.com" }],
    uri: "/",
    args: "",
    httpVersion: "HTTP/1.1",
    httpMethod: "GET",
    requestId: "1-65e1a800",
  },
};

function finding(id: string): Record<string, unknown> {
  return {
    schemaVersion: "2.0",
    accountId: "111122223333",
    region: "eu-west-1",
    partition: "aws",
    id,
    arn: `arn:aws:guardduty:eu-west-1:111122223333:detector/d1/finding/${id}`,
    type: "Recon:EC2/PortProbeUnprotectedPort",
    resource: { resourceType: "Instance", instanceDetails: { instanceId: "i-0abc" } },
    service: { serviceName: "guardduty", detectorId: "d1", count: 3 },
    severity: 2,
    createdAt: "2024-03-01T09:00:00.000Z",
    updatedAt: "2024-03-01T10:00:00.000Z",
    title: "Unprotected port on EC2 instance i-0abc is being probed.",
  };
}

function configurationItem(resourceId: string, status = "OK"): Record<string, unknown> {
  return {
    configurationItemVersion: "1.3",
    configurationItemCaptureTime: "2024-03-01T10:00:00.000Z",
    configurationStateId: 1709287200000,
    awsAccountId: "111122223333",
    configurationItemStatus: status,
    resourceType: "AWS::EC2::SecurityGroup",
    resourceId,
    awsRegion: "eu-west-1",
    tags: {},
    relatedEvents: [],
    relationships: [],
    configuration: { groupId: resourceId, ipPermissions: [] },
    supplementaryConfiguration: {},
  };
}

describe("aws_sqs_waf", () => {
  it("gives one event per WAF record with its timestamp", async () => {
    const text = `${JSON.stringify(waf)}\n${JSON.stringify({ ...waf, action: "BLOCK" })}\n`;
    const { events } = await read("aws_sqs_waf", zlib.gzipSync(text));
    assert.deepEqual(tags(events), ["cloud.aws.waf.logs", "cloud.aws.waf.logs"]);
    assert.equal(events[1].message, JSON.stringify({ ...waf, action: "BLOCK" }));
    assert.equal(events[0].time?.getTime(), 1709287200000);
  });
});

describe("aws_sqs_guard_duty / aws_sqs_guard_duty_kinesis", () => {
  it("reads exported findings one per line, and the findings inside EventBridge events", async () => {
    const exported = await read(
      "aws_sqs_guard_duty",
      `${JSON.stringify(finding("f1"))}\n${JSON.stringify(finding("f2"))}\n`,
    );
    assert.deepEqual(tags(exported.events), ["cloud.aws.guardduty.findings", "cloud.aws.guardduty.findings"]);
    assert.equal(exported.events[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
    const envelope = (id: string) => ({
      version: "0",
      id: `e-${id}`,
      "detail-type": "GuardDuty Finding",
      source: "aws.guardduty",
      account: "111122223333",
      time: "2024-03-01T10:00:00Z",
      region: "eu-west-1",
      resources: [],
      detail: finding(id),
    });
    const kinesis = await read(
      "aws_sqs_guard_duty_kinesis",
      JSON.stringify(envelope("f3")) + JSON.stringify(envelope("f4")),
    );
    assert.deepEqual(
      kinesis.events.map((e) => JSON.parse(e.message).id),
      ["f3", "f4"],
    );
    assert.equal(kinesis.events[0].tag, "cloud.aws.guardduty.findings");
  });
});

describe("aws_sqs_config", () => {
  it("gives one event per configuration item of a snapshot or history file", async () => {
    const snapshot = {
      fileVersion: "1.0",
      requestId: "r-1",
      configurationItems: [configurationItem("sg-1"), configurationItem("sg-2", "ResourceDeleted")],
    };
    const { events } = await read("aws_sqs_config", zlib.gzipSync(JSON.stringify(snapshot, null, 4)), {
      key: "AWSLogs/111122223333/Config/eu-west-1/2024/3/1/ConfigSnapshot/111122223333_Config_eu-west-1_ConfigSnapshot_20240301T100000Z_r-1.json.gz",
      chunkSize: 33,
    });
    assert.deepEqual(tags(events), ["cloud.aws.configlogs.events", "cloud.aws.configlogs.events"]);
    assert.equal(events[1].message, JSON.stringify(configurationItem("sg-2", "ResourceDeleted")));
    assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
  });

  it("does not read writability-check files, and counts files without configuration items", async () => {
    const check = await read("aws_sqs_config", "", {
      key: "AWSLogs/111122223333/Config/ConfigWritabilityCheckFile",
    });
    assert.deepEqual(check.stats.ignored, { "AWS Config writability check file": 1 });
    const other = await read("aws_sqs_config", '{"fileVersion":"1.0"}');
    assert.equal(other.events.length, 0);
    assert.equal(Object.keys(other.stats.ignored ?? {}).length, 1);
  });
});
