import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertHardenedQueue, assertJsonAttributesAreExpressions } from "./helpers/expectations.ts";
import { ACCOUNT, GIVEN_KEY_ARN, givenKeyScenario, kmsScenario, REGION } from "./helpers/scenarios.ts";
import { CREATED_KEY_ID, synthesize } from "./helpers/synth.ts";

// Two synths for the file: a key created by the stack, and a key given in the configuration.
const created = synthesize(kmsScenario());
const given = synthesize(givenKeyScenario());
const createdKeyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`;

describe("KMS, key created by the stack", () => {
  const key = created.one("aws_kms_key");

  it("creates one rotating key with an explicit policy and an alias", () => {
    assert.equal(key.config.enable_key_rotation, true);
    assert.equal(key.config.is_enabled, true);
    assert.equal(key.config.deletion_window_in_days, 30);
    assert.deepEqual(created.one("aws_kms_alias").config, {
      name: "alias/acme",
      target_key_id: `\${${key.address}.key_id}`,
    });
  });

  it("admits every service that encrypts with it, each bound to our resources where its requests say whose", () => {
    const policy = created.document(key, "policy");
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    assert.deepEqual(Object.keys(bySid).sort(), [
      "AccountAdministersKey",
      "CloudTrailDescribeKey",
      "CloudTrailEncryptLogs",
      "ConfigEncryptObjects",
      "EventBridgeToEncryptedQueues",
      "GuardDutyEncryptFindings",
      "S3NotificationsToEncryptedDestinations",
      "VendedLogsEncryptObjects",
    ]);
    assert.equal(
      bySid.CloudTrailEncryptLogs.Condition.StringEquals["aws:SourceArn"],
      `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/acme-trail`,
    );
    assert.equal(
      bySid.S3NotificationsToEncryptedDestinations.Condition.ArnEquals["aws:SourceArn"],
      "arn:aws:s3:::acme-encrypted-logs",
    );
    // EventBridge's KMS requests carry no source: its statement has no condition (the queue policy has one).
    assert.equal(bySid.EventBridgeToEncryptedQueues.Condition, undefined);
  });

  it("encrypts the bucket with the key and an S3 Bucket Key", () => {
    const encryption = created.one("aws_s3_bucket_server_side_encryption_configuration");
    assert.deepEqual(created.value(encryption.config.rule), [
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: createdKeyArn },
        bucket_key_enabled: true,
      },
    ]);
  });

  it("encrypts the trail's files, every queue and dead-letter queue with the key", () => {
    assert.equal(created.value(created.one("aws_cloudtrail").config.kms_key_id), createdKeyArn);
    for (const name of ["acme-cloudtrail", "acme-vpc", "acme-guardduty", "acme-config", "acme-security-hub"]) {
      const { queue } = assertHardenedQueue(created, name, { encryption: { kmsKeyArn: createdKeyArn } });
      assert.equal(queue.config.kms_data_key_reuse_period_seconds, 300);
    }
  });

  it("lets the reader decrypt with the key, and outputs it", () => {
    const reader = created.document(created.one("aws_iam_policy"), "policy");
    assert.deepEqual(
      reader.Statement.find((s: { Sid: string }) => s.Sid === "DecryptQueuesAndObjects"),
      {
        Sid: "DecryptQueuesAndObjects",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: [createdKeyArn],
        Condition: {
          StringEquals: { "kms:ViaService": [`s3.${REGION}.amazonaws.com`, `sqs.${REGION}.amazonaws.com`] },
        },
      },
    );
    assert.equal(created.output("kms_key_arn"), createdKeyArn);
  });

  it("renders every JSON attribute through jsonencode", () => {
    assertJsonAttributesAreExpressions(created);
  });
});

describe("KMS, key given in the configuration", () => {
  it("creates no key and uses the given one for queues, topic and reader", () => {
    assert.equal(given.ofType("aws_kms_key").length, 0);
    assertHardenedQueue(given, "acme-cloudtrail", { encryption: { kmsKeyArn: GIVEN_KEY_ARN } });
    assert.equal(given.one("aws_sns_topic").config.kms_master_key_id, GIVEN_KEY_ARN);
    const reader = given.document(given.one("aws_iam_policy"), "policy");
    assert.deepEqual(reader.Statement.find((s: { Sid: string }) => s.Sid === "DecryptQueuesAndObjects").Resource, [
      GIVEN_KEY_ARN,
    ]);
  });

  it("keeps SSE-S3 on the bucket when asked (encryption.bucket: sse-s3)", () => {
    assert.deepEqual(given.one("aws_s3_bucket_server_side_encryption_configuration").config.rule, [
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
  });
});
