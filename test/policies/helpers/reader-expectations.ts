import assert from "node:assert/strict";
import { it } from "node:test";
import { READER_QUEUE_ACTIONS } from "../../../policies/reader-policy.ts";
import { ACCOUNT, DIRECT_QUEUES, OTHER_ACCOUNT, REGION } from "../../infra/helpers/scenarios.ts";
import type { Json, Synth } from "../../infra/helpers/synth.ts";
import { decide } from "./simulate.ts";

/** The bucket of `directScenario()` (and of every scenario built on it). */
export const DIRECT_BUCKET = "aws-waf-logs-acme-security";

const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

/**
 * The reader policy's simulation for a stack built from `directScenario()`: consume its queues, read its objects
 * under each technology's prefix, nothing else. Registered as tests for `principal` holding `reader`, so Devo's
 * cross-account role and our ECS worker's task role are held to the very same expectations.
 */
export function itReadsOnlyTheDirectPipeline(synth: Synth, principal: string, reader: Json): void {
  const bucketPolicy = synth.document(synth.one("aws_s3_bucket_policy"), "policy");
  const bucket = DIRECT_BUCKET;
  const sqs = (action: string, queue: string) =>
    decide({ principal, action, resource: queueArn(queue), resourceAccount: ACCOUNT, identityPolicies: [reader] });
  const s3 = (action: string, bucketName: string, key: string) =>
    decide({
      principal,
      action,
      resource: `arn:aws:s3:::${bucketName}/${key}`,
      resourceAccount: ACCOUNT,
      identityPolicies: [reader],
      resourcePolicy: bucketName === bucket ? bucketPolicy : undefined,
    });

  it("receives, deletes, extends visibility and reads attributes on each of its queues", async () => {
    for (const queue of DIRECT_QUEUES) {
      for (const action of READER_QUEUE_ACTIONS)
        assert.equal(await sqs(action, queue), "Allowed", `${action} ${queue}`);
    }
  });

  it("cannot send, purge, reconfigure or delete its queues, nor touch dead-letter or other queues", async () => {
    for (const action of [
      "sqs:SendMessage",
      "sqs:PurgeQueue",
      "sqs:SetQueueAttributes",
      "sqs:DeleteQueue",
      "sqs:AddPermission",
    ]) {
      assert.equal(await sqs(action, "acme-cloudtrail"), "ImplicitlyDenied", action);
    }
    assert.equal(await sqs("sqs:ReceiveMessage", "acme-cloudtrail-dlq"), "ImplicitlyDenied");
    // Devo's AWS collector looks its queues up by name: only the collector's own queues can be found that way.
    assert.equal(await sqs("sqs:GetQueueUrl", "acme-cloudtrail-dlq"), "ImplicitlyDenied");
    assert.equal(await sqs("sqs:ReceiveMessage", "payments-orders"), "ImplicitlyDenied");
    const foreign = await decide({
      principal,
      action: "sqs:ReceiveMessage",
      resource: `arn:aws:sqs:${REGION}:${OTHER_ACCOUNT}:acme-cloudtrail`,
      resourceAccount: OTHER_ACCOUNT,
      identityPolicies: [reader],
    });
    assert.equal(foreign, "ImplicitlyDenied");
  });

  it("gets objects under each technology's prefix", async () => {
    for (const key of [
      `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2026/11/22/t.json.gz`,
      `AWSLogs/${ACCOUNT}/CloudTrail-Insight/${REGION}/i.json.gz`,
      `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/f.log.gz`,
      `alb/AWSLogs/${ACCOUNT}/elasticloadbalancing/${REGION}/a.log.gz`,
      "apps/payments/2026/11/22/p.json.gz",
      "s3-access-logs/2026-11-22-10-00-00-ABC",
    ]) {
      assert.equal(await s3("s3:GetObject", bucket, key), "Allowed", key);
    }
  });

  it("cannot get objects outside those prefixes, write, delete, list, or read other buckets", async () => {
    assert.equal(
      await s3("s3:GetObject", bucket, `AWSLogs/${ACCOUNT}/CloudTrail-Digest/${REGION}/d.json.gz`),
      "ImplicitlyDenied",
    );
    assert.equal(await s3("s3:GetObject", bucket, "apps/hr/salaries.json.gz"), "ImplicitlyDenied");
    for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"]) {
      assert.equal(await s3(action, bucket, `AWSLogs/${ACCOUNT}/vpcflowlogs/f.log.gz`), "ImplicitlyDenied", action);
    }
    const list = await decide({
      principal,
      action: "s3:ListBucket",
      resource: `arn:aws:s3:::${bucket}`,
      resourceAccount: ACCOUNT,
      identityPolicies: [reader],
      resourcePolicy: bucketPolicy,
    });
    assert.equal(list, "ImplicitlyDenied");
    assert.equal(
      await s3("s3:GetObject", "acme-finance-exports", `AWSLogs/${ACCOUNT}/vpcflowlogs/f.log.gz`),
      "ImplicitlyDenied",
    );
  });
}
