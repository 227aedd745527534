import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { ObjectReadError } from "../../../worker/formats/object-read-error.ts";
import { read, tags } from "./read-helpers.ts";

// Records written from CloudTrail's record-contents reference: userIdentity, eventSource, eventName, …
function record(eventSource: string, eventName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: "1.08",
    userIdentity: { type: "IAMUser", principalId: "AIDAEXAMPLE", accountId: "111122223333", userName: "alice" },
    eventTime: "2024-03-01T10:00:00Z",
    eventSource,
    eventName,
    awsRegion: "eu-west-1",
    sourceIPAddress: "198.51.100.7",
    userAgent: "aws-cli/2.15.0",
    requestParameters: { note: 'line\nbreak "quoted" \\ back', unicode: "ñandú ☃" },
    responseElements: null,
    eventID: `id-${eventName}`,
    eventType: "AwsApiCall",
    recipientAccountId: "111122223333",
    ...extra,
  };
}

const insight = {
  eventVersion: "1.07",
  eventTime: "2024-03-01T10:05:00Z",
  awsRegion: "eu-west-1",
  eventID: "insight-1",
  eventType: "AwsCloudTrailInsight",
  recipientAccountId: "111122223333",
  sharedEventID: "shared-1",
  insightDetails: {
    state: "Start",
    eventSource: "ec2.amazonaws.com",
    eventName: "RunInstances",
    insightType: "ApiCallRateInsight",
  },
  eventCategory: "Insight",
};

const records = [
  record("iam.amazonaws.com", "CreateUser"),
  record("cognito-idp.amazonaws.com", "InitiateAuth"),
  record("s3.amazonaws.com", "GetObject", { additionalEventData: { bytesTransferredOut: 9007199254740992 } }),
  insight,
];

function logFile(values: unknown[], indent?: number): string {
  return JSON.stringify({ Records: values }, null, indent);
}

describe("aws_sqs_cloudtrail", () => {
  it("splits Records into one event per record with the tag from eventSource", async () => {
    const { events, stats } = await read("aws_sqs_cloudtrail", logFile(records));
    assert.deepEqual(tags(events), [
      "cloud.aws.cloudtrail.iam",
      "cloud.aws.cloudtrail.cognito_idp",
      "cloud.aws.cloudtrail.s3",
      "cloud.aws.cloudtrail.insights",
    ]);
    assert.equal(stats.events, 4);
    assert.equal(stats.skipped, 0);
    assert.deepEqual(JSON.parse(events[0].message), records[0]);
    assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:00.000Z");
  });

  it("tags every record by its own event source past the tag cache's bound (4096 sources)", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      eventVersion: "1.08",
      eventSource: `svc-${i}.amazonaws.com`,
    }));
    const { events } = await read("aws_sqs_cloudtrail", logFile([...many, ...many.slice(0, 3)]));
    assert.equal(events.length, 5003);
    for (const [i, event] of events.entries()) assert.equal(event.tag, `cloud.aws.cloudtrail.svc_${i % 5000}`);
  });

  it("keeps each record's JSON as written, compacted, one line (numbers beyond 2^53 intact)", async () => {
    const pretty = logFile(records, 2).replace("9007199254740992", "9007199254740993");
    for (const chunkSize of [1, 7, 4096]) {
      const { events } = await read("aws_sqs_cloudtrail", pretty, { chunkSize });
      assert.equal(events.length, 4);
      for (const event of events) assert.ok(!event.message.includes("\n"), event.message);
      assert.ok(events[2].message.includes('"bytesTransferredOut":9007199254740993'), events[2].message);
      assert.ok(events[0].message.includes('"note":"line\\nbreak \\"quoted\\" \\\\ back"'));
      assert.ok(events[0].message.startsWith('{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"'));
    }
  });

  it("reads multi-member gzip and zstd objects, sniffed from the bytes whatever the key says", async () => {
    const half = Math.ceil(records.length / 2);
    const text = logFile(records);
    const multiMember = Buffer.concat([
      zlib.gzipSync(Buffer.from(text.slice(0, half * 10))),
      zlib.gzipSync(Buffer.from(text.slice(half * 10))),
    ]);
    const gz = await read("aws_sqs_cloudtrail", multiMember, { key: "AWSLogs/1/CloudTrail/x.json", chunkSize: 100 });
    assert.equal(gz.events.length, 4);
    const zst = await read("aws_sqs_cloudtrail", zlib.zstdCompressSync(Buffer.from(text)), { key: "x.json.gz" });
    assert.deepEqual(tags(zst.events), tags(gz.events));
  });

  it("gives no events for digest files, by key or by shape", async () => {
    const digest = JSON.stringify({
      awsAccountId: "111122223333",
      digestStartTime: "2024-03-01T09:00:00Z",
      digestEndTime: "2024-03-01T10:00:00Z",
      digestS3Bucket: "trail-bucket",
      digestS3Object: "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/03/01/d.json.gz",
      logFiles: [{ s3Bucket: "trail-bucket", s3Object: "AWSLogs/111122223333/CloudTrail/x.json.gz" }],
    });
    const byShape = await read("aws_sqs_cloudtrail", digest, { key: "somewhere/d.json" });
    assert.equal(byShape.events.length, 0);
    assert.equal(byShape.stats.skipped, 0);
    assert.deepEqual(byShape.stats.ignored, { "CloudTrail digest file": 1 });
    const byKey = await read("aws_sqs_cloudtrail", logFile(records), {
      key: "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/03/01/111122223333_CloudTrail-Digest_eu-west-1_t_20240301T100000Z.json.gz",
    });
    assert.equal(byKey.events.length, 0);
  });

  it("skips and counts a bad record but reads the rest of the object", async () => {
    const text = `{"Records":[${JSON.stringify(records[0])},{"eventVersion":"1.08","bad": tru},42,${JSON.stringify(records[1])}]}`;
    const { events, stats } = await read("aws_sqs_cloudtrail", text);
    assert.deepEqual(tags(events), ["cloud.aws.cloudtrail.iam", "cloud.aws.cloudtrail.cognito_idp"]);
    assert.equal(stats.skipped, 2);
    assert.deepEqual(stats.skipReasons, { "invalid JSON": 1, "CloudTrail record is not a JSON object": 1 });
  });

  it("fails the object when it is not JSON, is truncated, or is a broken gzip", async () => {
    await assert.rejects(read("aws_sqs_cloudtrail", "hello, world"), (error: Error) => {
      assert.ok(error instanceof ObjectReadError);
      assert.match(error.message, /invalid JSON at byte 0/);
      return true;
    });
    const text = logFile(records);
    await assert.rejects(read("aws_sqs_cloudtrail", text.slice(0, 300)), /invalid JSON at byte 300: .*truncated/);
    const gz = zlib.gzipSync(Buffer.from(text));
    await assert.rejects(read("aws_sqs_cloudtrail", gz.subarray(0, gz.length - 20)), /gzip: truncated stream/);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 20, 60);
    await assert.rejects(read("aws_sqs_cloudtrail", corrupt), /gzip: corrupt data/);
  });

  it("treats an empty object as no events", async () => {
    const { events, stats } = await read("aws_sqs_cloudtrail", "");
    assert.equal(events.length, 0);
    assert.equal(stats.skipped, 0);
    const empty = await read("aws_sqs_cloudtrail", '{"Records":[]}');
    assert.equal(empty.events.length, 0);
  });

  it("batches at 500 events", async () => {
    const many = Array.from({ length: 1234 }, (_, i) => record("ec2.amazonaws.com", `Call${i}`));
    const { events, batches } = await read("aws_sqs_cloudtrail", logFile(many));
    assert.equal(events.length, 1234);
    assert.equal(batches, 3);
    assert.equal(JSON.parse(events[1233].message).eventName, "Call1233");
  });

  it("applies drop_event_names, use_region_and_account_id_from_event and s3_file_type_filter", async () => {
    const text = logFile(records);
    const dropped = await read("aws_sqs_cloudtrail", text, { options: { drop_event_names: ["CreateUser"] } });
    assert.equal(dropped.events.length, 3);
    assert.deepEqual(dropped.stats.ignored, { "dropped by drop_event_names": 1 });
    const tagged = await read("aws_sqs_cloudtrail", text, { options: { use_region_and_account_id_from_event: true } });
    assert.equal(tagged.events[0].tag, "cloud.aws.cloudtrail.iam.111122223333.eu_west_1");
    const key = "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/01/f.json.gz";
    const filter = { s3_file_type_filter: ["CloudTrail-Insight"] };
    assert.equal((await read("aws_sqs_cloudtrail", text, { key, options: filter })).events.length, 0);
    const insightKey = key.replace("/CloudTrail/", "/CloudTrail-Insight/");
    assert.equal((await read("aws_sqs_cloudtrail", text, { key: insightKey, options: filter })).events.length, 4);
  });
});

describe("audit-events-all (audits_s3)", () => {
  it("writes cloud.aws.cloudtrail.events unless auto_event_type is on; Insights stay apart", async () => {
    const text = logFile(records);
    const options = { types: ["audits_s3"], use_region_and_account_id_from_event: false };
    const fixed = await read("audit-events-all", text, { options });
    assert.deepEqual(tags(fixed.events), [
      "cloud.aws.cloudtrail.events",
      "cloud.aws.cloudtrail.events",
      "cloud.aws.cloudtrail.events",
      "cloud.aws.cloudtrail.insights",
    ]);
    const auto = await read("audit-events-all", text, { options: { ...options, auto_event_type: true } });
    assert.equal(auto.events[1].tag, "cloud.aws.cloudtrail.cognito_idp");
  });

  // Devo (seed 002): "If true the region and account_id are taken from the event; else if false, they are taken
  // from the account used to do the data pulling. Default: true".
  it("appends the event's account and region by default, the pulling queue's when the option is false", async () => {
    const text = logFile(records);
    const byDefault = await read("audit-events-all", text, { options: { types: ["audits_s3"] } });
    assert.equal(byDefault.events[0].tag, "cloud.aws.cloudtrail.events.111122223333.eu_west_1");
    const pulled = await read("audit-events-all", text, {
      options: { types: ["audits_s3"], use_region_and_account_id_from_event: false },
      pulledFrom: { account: "444455556666", region: "us-east-2" },
    });
    assert.equal(pulled.events[0].tag, "cloud.aws.cloudtrail.events.444455556666.us_east_2");
  });
});

describe("aws_sqs_cloudtrail_kinesis", () => {
  it("reads records concatenated with no separator, in EventBridge envelopes too", async () => {
    const envelope = {
      version: "0",
      id: "e1",
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.iam",
      account: "111122223333",
      time: "2024-03-01T10:00:00Z",
      region: "us-east-1",
      resources: [],
      detail: record("iam.amazonaws.com", "DeleteUser"),
    };
    const text = JSON.stringify(records[1]) + JSON.stringify(envelope) + JSON.stringify(records[0]);
    const { events, stats } = await read("aws_sqs_cloudtrail_kinesis", zlib.gzipSync(text), { chunkSize: 13 });
    assert.deepEqual(tags(events), [
      "cloud.aws.cloudtrail.cognito_idp",
      "cloud.aws.cloudtrail.iam",
      "cloud.aws.cloudtrail.iam",
    ]);
    assert.equal(JSON.parse(events[1].message).eventName, "DeleteUser");
    assert.equal(stats.skipped, 0);
  });

  it("skips garbage between records and a truncated last record, counting both", async () => {
    const text = `${JSON.stringify(records[0])} oops ${JSON.stringify(records[1])}{"eventVersion":"1.0`;
    const { events, stats } = await read("aws_sqs_cloudtrail_kinesis", text);
    assert.equal(events.length, 2);
    assert.deepEqual(stats.skipReasons, { "invalid JSON between records": 1, "truncated record at end of object": 1 });
  });
});
