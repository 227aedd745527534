import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { read } from "./read-helpers.ts";

const MiB = 1024 * 1024;
const FLOW_HEADER =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
const flow = (n: number) =>
  `2 123456789012 eni-0a1 10.0.0.${n} 10.0.1.1 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK`;

/** The drop summary of an object with one JSON record over the limit. */
const oneRecordTooLarge = (key: string, largestBytes: number, limitBytes: number) => [
  { bucket: "test-bucket", key, reason: "record too large", records: 1, largestBytes, limitBytes },
];

describe("records over the size limits", () => {
  it("a line over 16 MiB: skipped, its neighbours read, and the object's drop summary names key, size and reason", async () => {
    const long = "x".repeat(16 * MiB + 5);
    const body = `${FLOW_HEADER}\n${flow(1)}\n${long}\n${flow(2)}\n${long}${long}\n${flow(3)}\n`;
    const result = await read("aws_sqs_vpc", body, { key: "AWSLogs/123456789012/vpcflowlogs/x.log.gz" });
    assert.equal(result.events.length, 3);
    assert.deepEqual(result.stats.skipReasons, { "line too long": 2 });
    assert.deepEqual(result.stats.dropped, [
      {
        bucket: "test-bucket",
        key: "AWSLogs/123456789012/vpcflowlogs/x.log.gz",
        reason: "line too long",
        records: 2,
        largestBytes: 2 * (16 * MiB + 5),
        limitBytes: 16 * MiB,
      },
    ]);
  });

  it("a JSON record over 64 MiB: the same, with the record's full size", async () => {
    const big = `{"eventID":"big","pad":"${"y".repeat(64 * MiB)}"}`;
    const body = `{"Records":[{"eventID":"a","eventSource":"s3.amazonaws.com"},${big},{"eventID":"b","eventSource":"s3.amazonaws.com"}]}`;
    const key = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/05/x.json.gz";
    const result = await read("aws_sqs_cloudtrail", body, { key });
    assert.deepEqual(
      result.events.map((event) => JSON.parse(event.message).eventID),
      ["a", "b"],
    );
    assert.deepEqual(result.stats.dropped, oneRecordTooLarge(key, big.length, 64 * MiB));
  });

  it("a Route 53 Resolver record (NDJSON) over 16 MiB: the line limit, as when those objects were read as lines", async () => {
    const big = `{"query_timestamp":"2026-01-05T00:00:00Z","pad":"${"z".repeat(16 * MiB)}"}`;
    const body = `{"query_name":"a."}\n${big}\n{"query_name":"b."}\n`;
    const key = "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0abc/2026/01/05/x.log.gz";
    const result = await read("aws_sqs_route53", body, { key });
    assert.deepEqual(
      result.events.map((event) => event.message),
      ['{"query_name":"a."}', '{"query_name":"b."}'],
    );
    assert.deepEqual(result.stats.dropped, oneRecordTooLarge(key, big.length, 16 * MiB));
  });

  it("an object with nothing over the limits has no drop summary", async () => {
    const result = await read("aws_sqs_vpc", `${FLOW_HEADER}\n${flow(1)}\n`);
    assert.equal(result.stats.dropped, undefined);
  });
});
