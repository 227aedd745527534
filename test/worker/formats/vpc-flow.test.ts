import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { read, tags } from "./read-helpers.ts";

// Field names and record layouts from the VPC Flow Logs "Flow log records" reference (versions 2–5, custom orders).
const V2_HEADER =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
const V2_ACCEPT =
  "2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.12 10.0.2.40 49152 443 6 12 6016 1709287200 1709287260 ACCEPT OK";
const V2_NODATA = "2 111122223333 eni-0a1b2c3d4e5f60718 - - - - - - - 1709287200 1709287260 - NODATA";
const CUSTOM_HEADER = "start srcaddr dstaddr action flow-direction traffic-path pkt-src-aws-service version";
const CUSTOM_LINE = "1709287300 10.0.1.12 52.94.1.10 ACCEPT egress 8 S3 5";

describe("aws_sqs_vpc", () => {
  it("does not send the header line and tags every record cloud.aws.vpc.flow", async () => {
    const { events, stats } = await read("aws_sqs_vpc", `${V2_HEADER}\n${V2_ACCEPT}\n${V2_NODATA}\n`);
    assert.deepEqual(tags(events), ["cloud.aws.vpc.flow", "cloud.aws.vpc.flow"]);
    assert.equal(events[0].message, V2_ACCEPT);
    assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
    assert.deepEqual(stats.ignored, { "VPC Flow Logs header line": 1 });
  });

  it("reads any field order the header names, and takes the time from its start field", async () => {
    const { events } = await read("aws_sqs_vpc", zlib.gzipSync(`${CUSTOM_HEADER}\r\n${CUSTOM_LINE}\r\n`));
    assert.equal(events.length, 1);
    assert.equal(events[0].message, CUSTOM_LINE);
    assert.equal(events[0].time?.toISOString(), "2024-03-01T10:01:40.000Z");
  });

  it("without a header reads every line, with the v2 default order for the time", async () => {
    const { events, stats } = await read("aws_sqs_vpc", `${V2_ACCEPT}\n${CUSTOM_LINE}\n`);
    assert.equal(events.length, 2);
    assert.equal(events[0].time?.getTime(), 1709287200000);
    assert.equal(events[1].time, undefined);
    assert.equal(stats.ignored, undefined);
  });

  it("skips and counts lines whose field count differs from the header (two spaces count as one)", async () => {
    const doubleSpaced = V2_ACCEPT.replace(" 443 ", "  443 ");
    const text = `${V2_HEADER}\n${doubleSpaced}\n2 111122223333 truncated\n`;
    const { events, stats } = await read("aws_sqs_vpc", text);
    assert.deepEqual(
      events.map((e) => e.message),
      [doubleSpaced],
    );
    assert.deepEqual(stats.skipReasons, { "field count differs from the header": 1 });
  });

  it("treats a Transit Gateway header (v6 fields) as a header too", async () => {
    const header =
      "version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id packets-lost-no-route start";
    const line = "6 TransitGateway 111122223333 tgw-0123 tgw-attach-0456 111122223333 0 1709287200";
    const { events } = await read("aws_sqs_vpc", `${header}\n${line}\n`);
    assert.deepEqual(
      events.map((e) => e.message),
      [line],
    );
  });
});

describe("non-cloudwatch-logs (flowlogs)", () => {
  // Devo's AWS collector page: cloud.aws.vpc.unknown, or cloud.aws.vpc.{event_type} with auto_event_type.
  it("tags flow logs cloud.aws.vpc.unknown, and cloud.aws.vpc.flow with auto_event_type", async () => {
    const body = `${V2_HEADER}\n${V2_ACCEPT}\n`;
    const plain = await read("non-cloudwatch-logs", body, { type: "flowlogs" });
    assert.deepEqual(tags(plain.events), ["cloud.aws.vpc.unknown"]);
    const auto = await read("non-cloudwatch-logs", body, { type: "flowlogs", options: { auto_event_type: true } });
    assert.deepEqual(tags(auto.events), ["cloud.aws.vpc.flow"]);
  });
});
