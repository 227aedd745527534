import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ACCOUNT,
  DEVO_ROLE,
  directScenario,
  EXISTING_BUCKET_KEY_ARN,
  EXTERNAL_ID,
  existingBucketScenario,
  fanOutScenario,
  kmsScenario,
  OTHER_ACCOUNT,
  REGION,
} from "../infra/helpers/scenarios.ts";
import { CREATED_KEY_ID, GENERATED_EXTERNAL_ID, type Synth, synthesize } from "../infra/helpers/synth.ts";
import { itReadsOnlyTheDirectPipeline } from "./helpers/reader-expectations.ts";
import { decide } from "./helpers/simulate.ts";

/**
 * Who reads, simulated on the synthesized documents: the trust policy of the cross-account role, and the reader
 * policy (with the bucket and key policies it meets on the way).
 */
const direct = synthesize(directScenario());
const fanOut = synthesize(fanOutScenario());
const encrypted = synthesize(kmsScenario());
const existing = synthesize(existingBucketScenario());

const readerRole = `arn:aws:iam::${ACCOUNT}:role/acme-devo-reader`;
/** Devo's side: its role may call AssumeRole on anything (the customer's trust policy is what decides). */
const devoSide = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] };

function assume(synth: Synth, principal: string, externalId: string | undefined) {
  return decide({
    principal,
    action: "sts:AssumeRole",
    resource: readerRole,
    resourceAccount: ACCOUNT,
    context: externalId === undefined ? {} : { "sts:ExternalId": externalId },
    identityPolicies: [devoSide],
    resourcePolicy: synth.document(synth.one("aws_iam_role"), "assume_role_policy"),
  });
}

describe("trust policy: only the trusted role, only with the exact ExternalId", () => {
  it("lets Devo's role (and its sessions) assume the role with the configured ExternalId", async () => {
    assert.equal(await assume(direct, DEVO_ROLE, EXTERNAL_ID), "Allowed");
    assert.equal(
      await assume(direct, "arn:aws:sts::837131528613:assumed-role/devo-xaccount-cs-role/collector", EXTERNAL_ID),
      "Allowed",
    );
  });

  it("refuses a missing, different, partial or differently-cased ExternalId", async () => {
    for (const externalId of [
      undefined,
      "something-else",
      EXTERNAL_ID.slice(0, -1),
      `${EXTERNAL_ID}x`,
      EXTERNAL_ID.toUpperCase(),
    ]) {
      assert.equal(await assume(direct, DEVO_ROLE, externalId), "ImplicitlyDenied", String(externalId));
    }
  });

  it("refuses other principals of Devo's account and the same role name in another account", async () => {
    for (const principal of [
      "arn:aws:iam::837131528613:role/another-role",
      "arn:aws:iam::837131528613:user/operator",
      `arn:aws:iam::${OTHER_ACCOUNT}:role/devo-xaccount-cs-role`,
      `arn:aws:iam::${ACCOUNT}:role/admin`,
    ]) {
      assert.equal(await assume(direct, principal, EXTERNAL_ID), "ImplicitlyDenied", principal);
    }
  });

  it("works the same with a generated ExternalId: that value only", async () => {
    assert.equal(await assume(fanOut, DEVO_ROLE, GENERATED_EXTERNAL_ID), "Allowed");
    assert.equal(await assume(fanOut, DEVO_ROLE, undefined), "ImplicitlyDenied");
    assert.equal(await assume(fanOut, DEVO_ROLE, "00000000-0000-4000-8000-000000000000"), "ImplicitlyDenied");
  });
});

describe("reader policy: consume its queues, read its objects, nothing else", () => {
  const reader = direct.document(direct.one("aws_iam_policy"), "policy");
  itReadsOnlyTheDirectPipeline(direct, readerRole, reader);

  it("gets objects of a partner bucket only under the configured prefix (fan-out)", async () => {
    const fanOutReader = fanOut.document(fanOut.one("aws_iam_policy"), "policy");
    const get = (key: string) =>
      decide({
        principal: readerRole,
        action: "s3:GetObject",
        resource: `arn:aws:s3:::partner-trail-logs/${key}`,
        resourceAccount: OTHER_ACCOUNT,
        identityPolicies: [fanOutReader],
        // The partner's bucket policy must grant our role; modelled here as granting it everything it asks.
        resourcePolicy: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: readerRole },
              Action: "s3:GetObject",
              Resource: "arn:aws:s3:::partner-trail-logs/*",
            },
          ],
        },
      });
    assert.equal(await get(`AWSLogs/${OTHER_ACCOUNT}/CloudTrail/t.json.gz`), "Allowed");
    assert.equal(await get("private/t.json.gz"), "ImplicitlyDenied");
  });

  it("decrypts with the pipeline key (KMS mode) and with an existing bucket's key, and nothing else", async () => {
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`;
    // Keys outside the stack keep AWS's default key policy, which hands their use to IAM in the account.
    const defaultKeyPolicy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
      ],
    };
    const encryptedReader = encrypted.document(encrypted.one("aws_iam_policy"), "policy");
    const keyPolicy = encrypted.document(encrypted.one("aws_kms_key"), "policy");
    // The reader decrypts through SQS (messages) and S3 (objects) of the pipeline's Region, as those services call KMS.
    const viaSqs = { "kms:ViaService": `sqs.${REGION}.amazonaws.com` };
    const viaS3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com` };
    const kms = (
      action: string,
      resource: string,
      identity: unknown,
      resourcePolicy?: unknown,
      context: Record<string, string> = viaSqs,
    ) =>
      decide({
        principal: readerRole,
        action,
        resource,
        resourceAccount: ACCOUNT,
        identityPolicies: [identity],
        resourcePolicy,
        context,
      });
    assert.equal(await kms("kms:Decrypt", keyArn, encryptedReader, keyPolicy), "Allowed");
    assert.equal(await kms("kms:Decrypt", keyArn, encryptedReader, keyPolicy, viaS3), "Allowed");
    // A direct KMS call with the role's credentials (no service in between), or through another service or Region.
    const elsewhere: Record<string, string>[] = [
      {},
      { "kms:ViaService": "ssm.eu-west-1.amazonaws.com" },
      { "kms:ViaService": "sqs.us-east-1.amazonaws.com" },
    ];
    for (const context of elsewhere) {
      assert.equal(
        await kms("kms:Decrypt", keyArn, encryptedReader, keyPolicy, context),
        "ImplicitlyDenied",
        JSON.stringify(context),
      );
    }
    for (const action of ["kms:Encrypt", "kms:GenerateDataKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"]) {
      assert.equal(await kms(action, keyArn, encryptedReader, keyPolicy), "ImplicitlyDenied", action);
    }
    const otherKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/99999999-8888-7777-6666-555555555555`;
    assert.equal(await kms("kms:Decrypt", otherKey, encryptedReader, defaultKeyPolicy), "ImplicitlyDenied");
    assert.equal(
      await kms("kms:Decrypt", keyArn, reader, keyPolicy),
      "ImplicitlyDenied",
      "SSE mode grants no KMS access",
    );
    const workerPolicy = existing.document(existing.one("aws_iam_policy"), "policy");
    const worker = `arn:aws:iam::${ACCOUNT}:role/devo-collector-task`;
    const decrypt = (resource: string, context: Record<string, string> = viaS3) =>
      decide({
        principal: worker,
        action: "kms:Decrypt",
        resource,
        resourceAccount: ACCOUNT,
        identityPolicies: [workerPolicy],
        resourcePolicy: defaultKeyPolicy,
        context,
      });
    assert.equal(await decrypt(EXISTING_BUCKET_KEY_ARN), "Allowed");
    assert.equal(await decrypt(EXISTING_BUCKET_KEY_ARN, {}), "ImplicitlyDenied", "not as a direct KMS call");
    assert.equal(await decrypt(otherKey), "ImplicitlyDenied");
  });
});
