import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeNotification, decodeS3EventKey } from "../../../worker/sources/notifications/decode-notification.ts";
import {
  cloudTrailSnsNotification,
  encodeS3EventKey,
  eventBridgeObjectCreated,
  fdrNotification,
  s3EventNotification,
  s3TestEvent,
  snsEnvelope,
} from "../../helpers/notifications.ts";

const S3 = { family: "s3", inline: false } as const;

describe("decodeNotification", () => {
  it("reads every ObjectCreated record of a direct S3 notification and counts the others", () => {
    const body = s3EventNotification([
      { bucket: "logs", key: "AWSLogs/1/CloudTrail/a.json.gz", size: 10 },
      { bucket: "logs", key: "gone.json.gz", eventName: "ObjectRemoved:Delete" },
      { bucket: "logs", key: "AWSLogs/1/CloudTrail/b.json.gz", eventName: "ObjectCreated:CompleteMultipartUpload" },
    ]);
    const result = decodeNotification(body, S3);
    assert.equal(result.kind, "objects");
    if (result.kind !== "objects") return;
    assert.equal(result.shape, "s3-event");
    assert.deepEqual(
      result.objects.map((o) => [o.bucket, o.key, o.size]),
      [
        ["logs", "AWSLogs/1/CloudTrail/a.json.gz", 10],
        ["logs", "AWSLogs/1/CloudTrail/b.json.gz", 1024],
      ],
    );
    assert.equal(result.ignored, 1);
  });

  it("decodes keys as S3 encodes them: + is a space, %2B a plus, and non-ASCII", () => {
    for (const key of [
      "with space/a b.gz",
      "plus+sign.gz",
      "eq=uals/x=1.gz",
      "ünïcödé/日本語 ключ.gz",
      "pct%20literal.gz",
    ]) {
      const result = decodeNotification(s3EventNotification([{ bucket: "b", key }]), S3);
      assert.equal(result.kind, "objects", key);
      if (result.kind === "objects") assert.equal(result.objects[0].key, key);
    }
    assert.equal(decodeS3EventKey("a+b%2Bc%3D"), "a b+c=");
  });

  it("unwraps the SNS envelope without a flag, and reports the wrapped shape", () => {
    const result = decodeNotification(snsEnvelope(s3EventNotification([{ bucket: "b", key: "k k" }])), S3);
    assert.equal(result.kind, "objects");
    if (result.kind === "objects") {
      assert.equal(result.shape, "sns/s3-event");
      assert.equal(result.objects[0].key, "k k");
    }
  });

  it("reads EventBridge Object Created events without URL-decoding the key", () => {
    const result = decodeNotification(eventBridgeObjectCreated("b", "a+b c.gz", 77), S3);
    assert.equal(result.kind, "objects");
    if (result.kind === "objects") assert.deepEqual([result.objects[0].key, result.objects[0].size], ["a+b c.gz", 77]);
  });

  it("reads CloudTrail's own SNS notification, direct and wrapped", () => {
    for (const body of [
      cloudTrailSnsNotification("ct", [
        "AWSLogs/1/CloudTrail/us-east-1/x.json.gz",
        "AWSLogs/1/CloudTrail/us-east-1/y.json.gz",
      ]),
      snsEnvelope(
        cloudTrailSnsNotification("ct", [
          "AWSLogs/1/CloudTrail/us-east-1/x.json.gz",
          "AWSLogs/1/CloudTrail/us-east-1/y.json.gz",
        ]),
      ),
    ]) {
      const result = decodeNotification(body, S3);
      assert.equal(result.kind, "objects");
      if (result.kind === "objects") assert.equal(result.objects.length, 2);
    }
  });

  it("reads CrowdStrike FDR messages only for FDR services", () => {
    const body = fdrNotification("cs-bucket", ["data/0001/part-00000.gz", "data/0001/part-00001.gz"]);
    const fdr = decodeNotification(body, { family: "fdr", inline: false });
    assert.equal(fdr.kind, "objects");
    if (fdr.kind === "objects")
      assert.deepEqual(
        fdr.objects.map((o) => o.key),
        ["data/0001/part-00000.gz", "data/0001/part-00001.gz"],
      );
    assert.equal(decodeNotification(body, S3).kind, "unrecognised");
    assert.equal(
      decodeNotification(s3EventNotification([{ bucket: "b", key: "k" }]), { family: "fdr", inline: false }).kind,
      "unrecognised",
    );
  });

  it("treats s3:TestEvent, direct or wrapped, as nothing to do", () => {
    for (const body of [s3TestEvent("b"), snsEnvelope(s3TestEvent("b"))]) {
      assert.equal(decodeNotification(body, S3).kind, "nothing");
      assert.equal(decodeNotification(body, { family: "s3", inline: true }).kind, "nothing");
    }
  });

  it("reports a message of only non-create records as nothing, not as an error", () => {
    const body = s3EventNotification([{ bucket: "b", key: "k", eventName: "ObjectRemoved:Delete" }]);
    assert.equal(decodeNotification(body, S3).kind, "nothing");
  });

  it("hands EventBridge events to inline services, and refuses S3 announcements there", () => {
    const event = JSON.stringify({
      "detail-type": "EC2 Instance State-change Notification",
      source: "aws.ec2",
      detail: { state: "running" },
    });
    const inline = decodeNotification(event, { family: "s3", inline: true });
    assert.equal(inline.kind, "inline");
    if (inline.kind === "inline") assert.equal(inline.event.source, "aws.ec2");
    assert.equal(decodeNotification(snsEnvelope(event), { family: "s3", inline: true }).kind, "inline");
    assert.equal(
      decodeNotification(s3EventNotification([{ bucket: "b", key: "k" }]), { family: "s3", inline: true }).kind,
      "unrecognised",
    );
  });

  it("names the reason for anything else", () => {
    const cases: [string, RegExp][] = [
      ["not json", /not a JSON object/],
      ["[1,2]", /not a JSON object/],
      ['{"hello":"world"}', /no known notification shape/],
      ['{"Records":[{"eventName":"ObjectCreated:Put","s3":{}}]}', /no s3.bucket.name/],
      [
        '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%E0%A4%A"}}}]}',
        /URL encoding/,
      ],
      [
        JSON.stringify({ Type: "Notification", TopicArn: "t", Message: "plain text" }),
        /SNS Message is not a JSON object/,
      ],
    ];
    for (const [body, reason] of cases) {
      const result = decodeNotification(body, S3);
      assert.equal(result.kind, "unrecognised", body);
      if (result.kind === "unrecognised") assert.match(result.reason, reason);
    }
  });

  it("never throws, whatever the body (property)", () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((value) => JSON.stringify({ Records: [value] })),
      fc
        .jsonValue()
        .map((value) => JSON.stringify({ Type: "Notification", TopicArn: "t", Message: JSON.stringify(value) })),
      fc.record({ bucket: fc.jsonValue(), files: fc.array(fc.jsonValue()) }).map((value) => JSON.stringify(value)),
      fc
        .record({ source: fc.constant("aws.s3"), "detail-type": fc.constant("Object Created"), detail: fc.jsonValue() })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(jsonish, fc.constantFrom("s3", "fdr"), fc.boolean(), (body, family, inline) => {
        const result = decodeNotification(body, { family: family as "s3" | "fdr", inline });
        assert.ok(["objects", "nothing", "inline", "unrecognised"].includes(result.kind));
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips any key through S3's encoding (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1 }), (key) => {
        const result = decodeNotification(s3EventNotification([{ bucket: "b", key }]), S3);
        assert.equal(result.kind, "objects");
        if (result.kind === "objects") assert.equal(result.objects[0].key, key);
      }),
    );
    assert.equal(encodeS3EventKey("a b+c"), "a+b%2Bc");
  });
});
