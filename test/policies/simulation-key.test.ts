import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACCOUNT, kmsScenario, OTHER_ACCOUNT, REGION } from "../infra/helpers/scenarios.ts";
import { CREATED_KEY_ID, synthesize } from "../infra/helpers/synth.ts";
import { decide } from "./helpers/simulate.ts";

/**
 * The created key's policy, simulated as synthesized: each service may use the key only on behalf of our own
 * trail, bucket, rule or account, and only for what encryption needs.
 */
const synth = synthesize(kmsScenario());
const keyPolicy = synth.document(synth.one("aws_kms_key"), "policy");
const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`;
const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/acme-trail`;

function use(principal: string, action: string, context: Record<string, string>, policy: unknown = keyPolicy) {
  return decide({ principal, action, resource: keyArn, resourceAccount: ACCOUNT, context, resourcePolicy: policy });
}

describe("key policy: S3, EventBridge and log services", () => {
  it("lets S3 encrypt notifications to the encrypted queues only for our bucket and account", async () => {
    const ours = { "aws:SourceArn": "arn:aws:s3:::acme-encrypted-logs", "aws:SourceAccount": ACCOUNT };
    assert.equal(await use("s3.amazonaws.com", "kms:GenerateDataKey", ours), "Allowed");
    assert.equal(await use("s3.amazonaws.com", "kms:Decrypt", ours), "Allowed");
    assert.equal(
      await use("s3.amazonaws.com", "kms:GenerateDataKey", { ...ours, "aws:SourceArn": "arn:aws:s3:::other-bucket" }),
      "ImplicitlyDenied",
    );
    assert.equal(
      await use("s3.amazonaws.com", "kms:GenerateDataKey", { ...ours, "aws:SourceAccount": OTHER_ACCOUNT }),
      "ImplicitlyDenied",
    );
    assert.equal(await use("s3.amazonaws.com", "kms:ReEncryptFrom", ours), "ImplicitlyDenied");
  });

  it("lets EventBridge use the key only for our Security Hub rule", async () => {
    const rule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/acme-security-hub-findings`;
    assert.equal(await use("events.amazonaws.com", "kms:GenerateDataKey", { "aws:SourceArn": rule }), "Allowed");
    assert.equal(
      await use("events.amazonaws.com", "kms:GenerateDataKey", { "aws:SourceArn": `${rule}-2` }),
      "ImplicitlyDenied",
    );
  });

  it("lets vended logs, AWS Config and GuardDuty encrypt objects only for our account", async () => {
    const logs = {
      "aws:SourceAccount": ACCOUNT,
      "aws:SourceArn": `arn:aws:logs:${REGION}:${ACCOUNT}:delivery-source:vpc`,
    };
    assert.equal(await use("delivery.logs.amazonaws.com", "kms:GenerateDataKey", logs), "Allowed");
    assert.equal(
      await use("delivery.logs.amazonaws.com", "kms:GenerateDataKey", { ...logs, "aws:SourceAccount": OTHER_ACCOUNT }),
      "ImplicitlyDenied",
    );
    assert.equal(await use("config.amazonaws.com", "kms:GenerateDataKey", { "aws:SourceAccount": ACCOUNT }), "Allowed");
    assert.equal(
      await use("config.amazonaws.com", "kms:GenerateDataKey", { "aws:SourceAccount": OTHER_ACCOUNT }),
      "ImplicitlyDenied",
    );
    const detector = {
      "aws:SourceAccount": ACCOUNT,
      "aws:SourceArn": `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/12abc34d`,
    };
    assert.equal(await use("guardduty.amazonaws.com", "kms:GenerateDataKey", detector), "Allowed");
    assert.equal(await use("guardduty.amazonaws.com", "kms:Decrypt", detector), "ImplicitlyDenied");
  });

  it("gives nothing to services that do not use the key, nor to other accounts' principals", async () => {
    assert.equal(
      await use("sns.amazonaws.com", "kms:GenerateDataKey", { "aws:SourceArn": `arn:aws:sns:${REGION}:${ACCOUNT}:x` }),
      "ImplicitlyDenied",
    );
    const outsider = await decide({
      principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/admin`,
      action: "kms:Decrypt",
      resource: keyArn,
      resourceAccount: ACCOUNT,
      identityPolicies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] }],
      resourcePolicy: keyPolicy,
    });
    assert.equal(outsider, "ImplicitlyDenied");
  });
});

describe("key policy: CloudTrail", () => {
  const encrypt = keyPolicy.Statement.find((s: { Sid: string }) => s.Sid === "CloudTrailEncryptLogs");

  it("carries the CloudTrail guide's encryption-context condition for the account's trails", () => {
    assert.deepEqual(encrypt.Condition.StringLike, {
      "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`,
    });
  });

  it("lets only our trail generate data keys and describe the key", async () => {
    // iam-simulate cannot carry `kms:EncryptionContext:<key>` context keys whose name contains a colon (it only
    // resolves `/`-separated variable keys), so the allow is simulated on this statement without that condition;
    // the condition itself is checked above, and the denials below hold with or without it.
    const withoutContext = {
      ...keyPolicy,
      Statement: keyPolicy.Statement.map((s: { Sid: string; Condition: Record<string, unknown> }) =>
        s.Sid === "CloudTrailEncryptLogs" ? { ...s, Condition: { StringEquals: s.Condition.StringEquals } } : s,
      ),
    };
    assert.equal(
      await use("cloudtrail.amazonaws.com", "kms:GenerateDataKey", { "aws:SourceArn": trailArn }, withoutContext),
      "Allowed",
    );
    assert.equal(await use("cloudtrail.amazonaws.com", "kms:DescribeKey", { "aws:SourceArn": trailArn }), "Allowed");
    for (const policy of [keyPolicy, withoutContext]) {
      assert.equal(
        await use("cloudtrail.amazonaws.com", "kms:GenerateDataKey", { "aws:SourceArn": `${trailArn}-other` }, policy),
        "ImplicitlyDenied",
      );
      assert.equal(await use("cloudtrail.amazonaws.com", "kms:GenerateDataKey", {}, policy), "ImplicitlyDenied");
      assert.equal(
        await use("cloudtrail.amazonaws.com", "kms:Decrypt", { "aws:SourceArn": trailArn }, policy),
        "ImplicitlyDenied",
      );
    }
  });
});
