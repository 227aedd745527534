import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACCOUNT, directScenario, kmsScenario, OTHER_ACCOUNT, REGION } from "../infra/helpers/scenarios.ts";
import { type Synth, synthesize } from "../infra/helpers/synth.ts";
import { decide } from "./helpers/simulate.ts";

/**
 * The log bucket's policy, simulated as synthesized: CloudTrail writes only under `AWSLogs/<account>/` and only
 * for our trail, each log service only under its own prefixes and for our account, and nothing gets in without
 * TLS — not even a principal whose identity policy allows it.
 */
const direct = synthesize(directScenario());
const encrypted = synthesize(kmsScenario());
const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/acme-trail`;
const ownerAcl = { "s3:x-amz-acl": "bucket-owner-full-control" };

function bucketPolicy(synth: Synth) {
  return synth.document(synth.one("aws_s3_bucket_policy"), "policy");
}

function request(
  synth: Synth,
  bucket: string,
  principal: string,
  action: string,
  key: string | null,
  context: Record<string, string>,
) {
  return decide({
    principal,
    action,
    resource: key === null ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`,
    resourceAccount: ACCOUNT,
    context,
    resourcePolicy: bucketPolicy(synth),
  });
}

describe("bucket policy: CloudTrail", () => {
  const bucket = "aws-waf-logs-acme-security";
  const logFile = `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2026/11/22/${ACCOUNT}_CloudTrail_${REGION}_20261122T1000Z_abc.json.gz`;
  const put = (key: string, context: Record<string, string>) =>
    request(direct, bucket, "cloudtrail.amazonaws.com", "s3:PutObject", key, context);

  it("lets our trail check the ACL and write log, digest and Insights files under AWSLogs/<account>/", async () => {
    assert.equal(
      await request(direct, bucket, "cloudtrail.amazonaws.com", "s3:GetBucketAcl", null, { "aws:SourceArn": trailArn }),
      "Allowed",
    );
    for (const key of [
      logFile,
      `AWSLogs/${ACCOUNT}/CloudTrail-Digest/${REGION}/d.json.gz`,
      `AWSLogs/${ACCOUNT}/CloudTrail-Insight/${REGION}/i.json.gz`,
    ]) {
      assert.equal(await put(key, { "aws:SourceArn": trailArn, ...ownerAcl }), "Allowed", key);
    }
  });

  it("refuses another trail, a missing trail ARN, and writes without the owner ACL", async () => {
    const otherTrail = `arn:aws:cloudtrail:${REGION}:${OTHER_ACCOUNT}:trail/acme-trail`;
    assert.equal(await put(logFile, { "aws:SourceArn": otherTrail, ...ownerAcl }), "ImplicitlyDenied");
    assert.equal(await put(logFile, { "aws:SourceArn": `${trailArn}-copy`, ...ownerAcl }), "ImplicitlyDenied");
    assert.equal(await put(logFile, ownerAcl), "ImplicitlyDenied");
    assert.equal(await put(logFile, { "aws:SourceArn": trailArn }), "ImplicitlyDenied");
    assert.equal(
      await request(direct, bucket, "cloudtrail.amazonaws.com", "s3:GetBucketAcl", null, {}),
      "ImplicitlyDenied",
    );
  });

  it("refuses writes outside AWSLogs/<account>/, even for our trail", async () => {
    for (const key of [
      `AWSLogs/${OTHER_ACCOUNT}/CloudTrail/x.json.gz`,
      "vpcflow/x.json.gz",
      `apps/payments/AWSLogs/${ACCOUNT}/x.json.gz`,
    ]) {
      assert.equal(await put(key, { "aws:SourceArn": trailArn, ...ownerAcl }), "ImplicitlyDenied", key);
    }
  });

  it("refuses CloudTrail reads and deletes", async () => {
    for (const action of ["s3:GetObject", "s3:DeleteObject"]) {
      assert.equal(
        await request(direct, bucket, "cloudtrail.amazonaws.com", action, logFile, { "aws:SourceArn": trailArn }),
        "ImplicitlyDenied",
      );
    }
  });
});

describe("bucket policy: other log services", () => {
  const bucket = "aws-waf-logs-acme-security";
  const vended = {
    "aws:SourceAccount": ACCOUNT,
    "aws:SourceArn": `arn:aws:logs:${REGION}:${ACCOUNT}:delivery-source:vpc`,
    ...ownerAcl,
  };

  it("lets vended logs (VPC, Route 53, WAF, CloudFront) write only under their prefixes, for our account", async () => {
    const put = (key: string, context: Record<string, string>) =>
      request(direct, bucket, "delivery.logs.amazonaws.com", "s3:PutObject", key, context);
    for (const key of [
      `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/11/22/f.log.gz`,
      `AWSLogs/${ACCOUNT}/vpcdnsquerylogs/vpc-1/2026/11/22/q.log.gz`,
      `AWSLogs/${ACCOUNT}/WAFLogs/${REGION}/acl/w.log.gz`,
      "cloudfront/E2ABC.2026-11-22-10.abc.gz",
    ]) {
      assert.equal(await put(key, vended), "Allowed", key);
    }
    assert.equal(await put(`AWSLogs/${ACCOUNT}/CloudTrail/x.json.gz`, vended), "ImplicitlyDenied");
    assert.equal(
      await put(`AWSLogs/${ACCOUNT}/vpcflowlogs/f.log.gz`, { ...vended, "aws:SourceAccount": OTHER_ACCOUNT }),
      "ImplicitlyDenied",
    );
    const foreignSource = { ...vended, "aws:SourceArn": `arn:aws:logs:${REGION}:${OTHER_ACCOUNT}:delivery-source:vpc` };
    assert.equal(await put(`AWSLogs/${ACCOUNT}/vpcflowlogs/f.log.gz`, foreignSource), "ImplicitlyDenied");
  });

  it("lets load balancers write only under the alb/ and elb/ prefixes", async () => {
    // The regional ELB account writes cross-account; its own identity policy (AWS's) is modelled as allowing it.
    const elbWriter = (account: string) => `arn:aws:iam::${account}:role/elb-log-delivery`;
    const ownPermission = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }],
    };
    const put = (principal: string, key: string) =>
      decide({
        principal,
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${bucket}/${key}`,
        resourceAccount: ACCOUNT,
        identityPolicies: principal.startsWith("arn:") ? [ownPermission] : [],
        resourcePolicy: bucketPolicy(direct),
      });
    const albKey = `alb/AWSLogs/${ACCOUNT}/elasticloadbalancing/${REGION}/2026/11/22/a.log.gz`;
    for (const principal of [elbWriter("156460612806"), "logdelivery.elasticloadbalancing.amazonaws.com"]) {
      assert.equal(await put(principal, albKey), "Allowed", principal);
      assert.equal(await put(principal, `elb/AWSLogs/${ACCOUNT}/elasticloadbalancing/e.log`), "Allowed", principal);
      assert.equal(
        await put(principal, `alb/AWSLogs/${OTHER_ACCOUNT}/elasticloadbalancing/a.log.gz`),
        "ImplicitlyDenied",
      );
      assert.equal(await put(principal, `AWSLogs/${ACCOUNT}/CloudTrail/x.json.gz`), "ImplicitlyDenied");
    }
    assert.equal(await put(elbWriter("127311923021"), albKey), "ImplicitlyDenied", "another Region's ELB account");
  });

  it("lets AWS Config and S3 server access logging write only their own files, for our account", async () => {
    const account = { "aws:SourceAccount": ACCOUNT };
    assert.equal(
      await request(
        direct,
        bucket,
        "config.amazonaws.com",
        "s3:PutObject",
        `AWSLogs/${ACCOUNT}/Config/${REGION}/c.json.gz`,
        { ...account, ...ownerAcl },
      ),
      "Allowed",
    );
    assert.equal(await request(direct, bucket, "config.amazonaws.com", "s3:ListBucket", null, account), "Allowed");
    assert.equal(
      await request(direct, bucket, "config.amazonaws.com", "s3:PutObject", `AWSLogs/${ACCOUNT}/Config/c.json.gz`, {
        "aws:SourceAccount": OTHER_ACCOUNT,
        ...ownerAcl,
      }),
      "ImplicitlyDenied",
    );
    assert.equal(
      await request(
        direct,
        bucket,
        "logging.s3.amazonaws.com",
        "s3:PutObject",
        "s3-access-logs/2026-11-22-10-00-00-ABC",
        account,
      ),
      "Allowed",
    );
    assert.equal(
      await request(
        direct,
        bucket,
        "logging.s3.amazonaws.com",
        "s3:PutObject",
        `AWSLogs/${ACCOUNT}/Config/c.json.gz`,
        account,
      ),
      "ImplicitlyDenied",
    );
  });

  it("lets GuardDuty export only from our detectors", async () => {
    const detector = {
      "aws:SourceAccount": ACCOUNT,
      "aws:SourceArn": `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/12abc34d`,
    };
    const key = `AWSLogs/${ACCOUNT}/GuardDuty/${REGION}/2026/11/22/f.jsonl.gz`;
    assert.equal(
      await request(encrypted, "acme-encrypted-logs", "guardduty.amazonaws.com", "s3:PutObject", key, detector),
      "Allowed",
    );
    assert.equal(
      await request(
        encrypted,
        "acme-encrypted-logs",
        "guardduty.amazonaws.com",
        "s3:GetBucketLocation",
        null,
        detector,
      ),
      "Allowed",
    );
    const foreign = { ...detector, "aws:SourceArn": `arn:aws:guardduty:${REGION}:${OTHER_ACCOUNT}:detector/12abc34d` };
    assert.equal(
      await request(encrypted, "acme-encrypted-logs", "guardduty.amazonaws.com", "s3:PutObject", key, foreign),
      "ImplicitlyDenied",
    );
  });
});

describe("bucket policy: TLS only", () => {
  const bucket = "aws-waf-logs-acme-security";
  const key = `AWSLogs/${ACCOUNT}/vpcflowlogs/f.log.gz`;
  const reader = direct.document(direct.one("aws_iam_policy"), "policy");
  const readerArn = `arn:aws:iam::${ACCOUNT}:role/acme-devo-reader`;
  const get = (secure: "true" | "false") =>
    decide({
      principal: readerArn,
      action: "s3:GetObject",
      resource: `arn:aws:s3:::${bucket}/${key}`,
      resourceAccount: ACCOUNT,
      context: { "aws:SecureTransport": secure },
      identityPolicies: [reader],
      resourcePolicy: bucketPolicy(direct),
    });

  it("lets the reader in over TLS and explicitly denies the same request without it", async () => {
    assert.equal(await get("true"), "Allowed");
    assert.equal(await get("false"), "ExplicitlyDenied");
  });

  it("denies log producers without TLS too", async () => {
    const context = { "aws:SourceArn": trailArn, ...ownerAcl, "aws:SecureTransport": "false" };
    assert.equal(
      await request(
        direct,
        bucket,
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        `AWSLogs/${ACCOUNT}/CloudTrail/x.json.gz`,
        context,
      ),
      "ExplicitlyDenied",
    );
  });

  it("denies an administrator without TLS, on the bucket itself as well", async () => {
    const admin = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };
    const result = await decide({
      principal: `arn:aws:iam::${ACCOUNT}:role/admin`,
      action: "s3:PutBucketPolicy",
      resource: `arn:aws:s3:::${bucket}`,
      resourceAccount: ACCOUNT,
      context: { "aws:SecureTransport": "false" },
      identityPolicies: [admin],
      resourcePolicy: bucketPolicy(direct),
    });
    assert.equal(result, "ExplicitlyDenied");
  });
});
