import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACCOUNT, kmsScenario, OTHER_ACCOUNT, REGION } from "../infra/helpers/scenarios.ts";
import { CREATED_KEY_ID, synthesize } from "../infra/helpers/synth.ts";
import { decide, decideWithEncryptionContext } from "./helpers/simulate.ts";

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

  it("lets EventBridge encrypt for the queues without a source in the request, and nothing more", async () => {
    // EventBridge's KMS requests carry no source (policies/key-policy.ts): which rule may send is the queue
    // policy's decision, simulated in simulation-senders.test.ts (another rule is refused there).
    assert.equal(await use("events.amazonaws.com", "kms:GenerateDataKey", {}), "Allowed");
    assert.equal(await use("events.amazonaws.com", "kms:Decrypt", {}), "Allowed");
    for (const action of ["kms:ReEncryptFrom", "kms:CreateGrant", "kms:Encrypt", "kms:DescribeKey"]) {
      assert.equal(await use("events.amazonaws.com", action, {}), "ImplicitlyDenied", action);
    }
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
  // The trail left at its default: with the bucket's default encryption on the pipeline key, the trail encrypts
  // with the key itself (infra/config.ts), so the key policy must let it, as synthesized and unedited.
  const defaultTrail = synthesize({ ...kmsScenario(), trail: { create: true } });
  const policy = defaultTrail.document(defaultTrail.one("aws_kms_key"), "policy");
  const objectArn = `arn:aws:s3:::acme-encrypted-logs/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2026/12/02/x.json.gz`;

  /** CloudTrail's own GenerateDataKey for a log file, with the encryption context its guide documents. */
  function trailRequest(action: string, sourceArn: string | undefined, encryptionContext: Record<string, string>) {
    const context: Record<string, string> = { ...encryptionContext };
    if (sourceArn !== undefined) context["aws:SourceArn"] = sourceArn;
    return decideWithEncryptionContext({
      principal: "cloudtrail.amazonaws.com",
      action,
      resource: keyArn,
      resourceAccount: ACCOUNT,
      context,
      resourcePolicy: policy,
    });
  }
  const trailContext = {
    "kms:EncryptionContext:aws:cloudtrail:arn": trailArn,
    "kms:EncryptionContext:aws:s3:arn": objectArn,
  };

  it("encrypts the default trail with the key and carries the guide's encryption-context condition", () => {
    assert.equal(defaultTrail.value(defaultTrail.one("aws_cloudtrail").config.kms_key_id), keyArn);
    const encrypt = policy.Statement.find((s: { Sid: string }) => s.Sid === "CloudTrailEncryptLogs");
    assert.deepEqual(encrypt.Condition.StringLike, {
      "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`,
    });
  });

  it("lets our trail generate data keys with CloudTrail's exact encryption context, and describe the key", async () => {
    assert.equal(await trailRequest("kms:GenerateDataKey", trailArn, trailContext), "Allowed");
    assert.equal(await trailRequest("kms:DescribeKey", trailArn, {}), "Allowed");
  });

  it("refuses other trails, other accounts' contexts, a missing context and S3's default encryption", async () => {
    assert.equal(await trailRequest("kms:GenerateDataKey", `${trailArn}-other`, trailContext), "ImplicitlyDenied");
    assert.equal(await trailRequest("kms:GenerateDataKey", undefined, trailContext), "ImplicitlyDenied");
    const otherAccountTrail = `arn:aws:cloudtrail:${REGION}:${OTHER_ACCOUNT}:trail/acme-trail`;
    assert.equal(
      await trailRequest("kms:GenerateDataKey", trailArn, {
        ...trailContext,
        "kms:EncryptionContext:aws:cloudtrail:arn": otherAccountTrail,
      }),
      "ImplicitlyDenied",
    );
    // A trail without its own key, writing into the bucket: S3's default encryption asks for a data key with only
    // the object's context. The key policy refuses it, which is why the configuration refuses `trail.kms: false`
    // while the bucket's default is the key.
    assert.equal(
      await trailRequest("kms:GenerateDataKey", trailArn, { "kms:EncryptionContext:aws:s3:arn": objectArn }),
      "ImplicitlyDenied",
    );
    assert.equal(await trailRequest("kms:Decrypt", trailArn, trailContext), "ImplicitlyDenied");
  });
});
