import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertHardenedQueue } from "./helpers/expectations.ts";
import { ACCOUNT, EXISTING_BUCKET_KEY_ARN, existingBucketScenario, REGION } from "./helpers/scenarios.ts";
import { synthesize } from "./helpers/synth.ts";

// One synth for the file: an existing bucket (its settings and policy untouched), no trail, self-hosted reader.
const synth = synthesize(existingBucketScenario());

describe("existing bucket", () => {
  it("creates no bucket, bucket settings, bucket policy or trail", () => {
    for (const type of [
      "aws_s3_bucket",
      "aws_s3_bucket_policy",
      "aws_s3_bucket_public_access_block",
      "aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket_lifecycle_configuration",
      "aws_cloudtrail",
    ]) {
      assert.equal(synth.ofType(type).length, 0, type);
    }
  });

  it("adds the one notification resource to the bucket by name, after the queue policy", () => {
    const notification = synth.one("aws_s3_bucket_notification");
    assert.equal(notification.config.bucket, "org-trail-archive");
    const { policy } = assertHardenedQueue(synth, "acme-cloudtrail", { encryption: "sse-sqs" });
    assert.deepEqual(notification.config.depends_on, [policy.address]);
    assert.deepEqual(
      (notification.config.queue as Record<string, unknown>[]).map((r) => [r.filter_prefix, r.filter_suffix]),
      [["AWSLogs/o-abc123/", ".json.gz"]],
    );
  });

  it("lets the reader decrypt with the bucket's own key and read under the configured prefix", () => {
    const reader = synth.document(synth.one("aws_iam_policy"), "policy");
    const bySid = Object.fromEntries(
      reader.Statement.map((s: { Sid: string; Resource: string[] }) => [s.Sid, s.Resource]),
    );
    assert.deepEqual(bySid, {
      ConsumeCollectorQueues: [`arn:aws:sqs:${REGION}:${ACCOUNT}:acme-cloudtrail`],
      ReadLogObjects: ["arn:aws:s3:::org-trail-archive/AWSLogs/o-abc123/*"],
      DecryptQueuesAndObjects: [EXISTING_BUCKET_KEY_ARN],
    });
  });
});

describe("self-hosted access mode", () => {
  it("creates no role and no ExternalId, and attaches the reader policy to the worker's role", () => {
    assert.equal(synth.ofType("aws_iam_role").length, 0);
    assert.equal(synth.ofType("terraform_data").length, 0);
    const attachment = synth.one("aws_iam_role_policy_attachment");
    assert.equal(attachment.config.role, "devo-collector-task");
    assert.equal(attachment.config.policy_arn, `\${${synth.one("aws_iam_policy").address}.arn}`);
  });

  it("outputs the worker role and no ExternalId", () => {
    assert.equal(synth.output("access_mode"), "self_hosted");
    assert.equal(synth.output("role_arn"), `arn:aws:iam::${ACCOUNT}:role/devo-collector-task`);
    assert.equal(synth.output("external_id"), "");
    assert.deepEqual(Object.keys(synth.output("technologies") as object), ["cloudtrail"]);
  });
});
