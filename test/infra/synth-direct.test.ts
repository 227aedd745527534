import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findFilterOverlaps } from "../../infra/validation/notification-filters.ts";
import { assertHardenedQueue, assertJsonAttributesAreExpressions, queueParts } from "./helpers/expectations.ts";
import { ACCOUNT, DEVO_ROLE, directScenario, EXTERNAL_ID, REGION } from "./helpers/scenarios.ts";
import { synthesize } from "./helpers/synth.ts";

// One synth for the whole file: S3 → SQS directly, SSE-S3 / SSE-SQS, created bucket and trail, Devo access.
const synth = synthesize(directScenario());
const bucketName = "aws-waf-logs-acme-security";
const bucket = synth.one("aws_s3_bucket");
const bucketRef = (attribute: string) => `\${${bucket.address}.${attribute}}`;
const forBucket = (type: string) => synth.one(type, (r) => r.config.bucket === bucketRef("id"));
const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/acme-trail`;
const technologies = ["cloudtrail", "vpc", "alb", "elb", "waf", "dns", "config", "access_logs", "cdn", "app"];
const queueName = (technology: string) => `acme-${technology.replaceAll("_", "-")}`;

describe("direct delivery: provider and state", () => {
  it("pins the provider to the configured account and Region", () => {
    assert.deepEqual(synth.json.provider.aws, [{ region: REGION, allowed_account_ids: [ACCOUNT] }]);
  });

  it("keeps local state at the project root through a relative path", () => {
    assert.deepEqual(synth.json.terraform.backend, { local: { path: "../../../terraform.devo-aws-logs.tfstate" } });
  });
});

describe("direct delivery: bucket (DESIGN 6a)", () => {
  it("is private: all four public access blocks, ACLs disabled", () => {
    const block = forBucket("aws_s3_bucket_public_access_block");
    for (const setting of [
      "block_public_acls",
      "block_public_policy",
      "ignore_public_acls",
      "restrict_public_buckets",
    ]) {
      assert.equal(block.config[setting], true, setting);
    }
    assert.deepEqual(forBucket("aws_s3_bucket_ownership_controls").config.rule, {
      object_ownership: "BucketOwnerEnforced",
    });
  });

  it("is encrypted with SSE-S3 by default and versioned", () => {
    assert.deepEqual(forBucket("aws_s3_bucket_server_side_encryption_configuration").config.rule, [
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
    assert.deepEqual(forBucket("aws_s3_bucket_versioning").config.versioning_configuration, { status: "Enabled" });
    assert.equal(bucket.config.force_destroy, false);
  });

  it("expires current and noncurrent versions and aborts stale multipart uploads", () => {
    const [rule] = forBucket("aws_s3_bucket_lifecycle_configuration").config.rule;
    assert.equal(rule.status, "Enabled");
    assert.deepEqual(rule.filter, [{ prefix: "" }]);
    assert.deepEqual(rule.expiration, [{ days: 365 }]);
    assert.deepEqual(rule.noncurrent_version_expiration, [{ noncurrent_days: 30 }]);
    assert.deepEqual(rule.abort_incomplete_multipart_upload, [{ days_after_initiation: 7 }]);
  });

  it("has one policy, applied after the public access block, that denies non-TLS and pins CloudTrail to its trail", () => {
    const policy = forBucket("aws_s3_bucket_policy");
    assert.deepEqual(policy.config.depends_on, [forBucket("aws_s3_bucket_public_access_block").address]);
    const doc = synth.document(policy, "policy");
    const sids = doc.Statement.map((s: { Sid: string }) => s.Sid);
    assert.equal(sids[0], "DenyInsecureTransport");
    for (const sid of ["CloudTrailAclCheck", "CloudTrailWrite"]) {
      const statement = doc.Statement.find((s: { Sid: string }) => s.Sid === sid);
      assert.equal(statement.Condition.StringEquals["aws:SourceArn"], trailArn, `${sid} carries aws:SourceArn`);
    }
    // Every log producer of the configured technologies is admitted, each under its own prefixes only.
    for (const sid of [
      "VendedLogsWrite",
      "ElbLogDeliveryWrite",
      "ElbRegionalAccountWrite",
      "ConfigWrite",
      "S3ServerAccessLogsWrite",
    ]) {
      assert.ok(sids.includes(sid), `${sid} present`);
    }
    const vended = doc.Statement.find((s: { Sid: string }) => s.Sid === "VendedLogsWrite");
    assert.deepEqual(vended.Resource, [
      `arn:aws:s3:::${bucketName}/AWSLogs/${ACCOUNT}/WAFLogs/*`,
      `arn:aws:s3:::${bucketName}/AWSLogs/${ACCOUNT}/vpcdnsquerylogs/*`,
      `arn:aws:s3:::${bucketName}/AWSLogs/${ACCOUNT}/vpcflowlogs/*`,
      `arn:aws:s3:::${bucketName}/cloudfront/*`,
    ]);
  });
});

describe("direct delivery: trail (DESIGN 6a)", () => {
  const trail = synth.one("aws_cloudtrail");

  it("is multi-Region with global events, log file validation and logging on", () => {
    assert.equal(trail.config.name, "acme-trail");
    assert.equal(trail.config.s3_bucket_name, bucketName);
    assert.equal(trail.config.is_multi_region_trail, true);
    assert.equal(trail.config.include_global_service_events, true);
    assert.equal(trail.config.enable_log_file_validation, true);
    assert.equal(trail.config.enable_logging, true);
    assert.equal(trail.config.kms_key_id, undefined);
  });

  it("records management events and the configured Insights, after the bucket policy exists", () => {
    assert.deepEqual(trail.config.advanced_event_selector, [
      { name: "Management events", field_selector: [{ field: "eventCategory", equals: ["Management"] }] },
    ]);
    assert.deepEqual(trail.config.insight_selector, [{ insight_type: "ApiCallRateInsight" }]);
    assert.deepEqual(trail.config.depends_on, [forBucket("aws_s3_bucket_policy").address]);
  });
});

describe("direct delivery: queues (DESIGN 6a)", () => {
  it("gives every technology a hardened queue whose policy admits only our bucket and account", () => {
    for (const technology of technologies) {
      const { policy } = assertHardenedQueue(synth, queueName(technology), { encryption: "sse-sqs" });
      const doc = synth.document(policy, "policy");
      assert.equal(doc.Statement.length, 1);
      assert.deepEqual(doc.Statement[0].Principal, { Service: "s3.amazonaws.com" });
      assert.deepEqual(doc.Statement[0].Condition, {
        ArnEquals: { "aws:SourceArn": `arn:aws:s3:::${bucketName}` },
        StringEquals: { "aws:SourceAccount": ACCOUNT },
      });
    }
    assert.equal(synth.ofType("aws_sqs_queue").length, technologies.length * 2);
  });

  it("creates no SNS topics or EventBridge rules in direct mode", () => {
    assert.equal(synth.ofType("aws_sns_topic").length, 0);
    assert.equal(synth.ofType("aws_cloudwatch_event_rule").length, 0);
  });
});

describe("direct delivery: notifications (DESIGN 6a)", () => {
  const notifications = synth.ofType("aws_s3_bucket_notification");

  it("is exactly one notification resource for the bucket", () => {
    assert.equal(notifications.length, 1);
    assert.equal(notifications[0].config.bucket, bucketName);
    assert.equal(notifications[0].config.topic, undefined);
  });

  it("depends on every destination policy", () => {
    const policyAddresses = technologies.map((t) => queueParts(synth, queueName(t)).policies[0].address);
    const dependsOn = notifications[0].config.depends_on as string[];
    for (const address of policyAddresses) assert.ok(dependsOn.includes(address), `depends on ${address}`);
  });

  it("routes each technology to its own queue by prefix and suffix, without overlaps", () => {
    const routes = notifications[0].config.queue as Record<string, string | string[]>[];
    const byId = Object.fromEntries(routes.map((r) => [r.id, r]));
    assert.deepEqual(Object.keys(byId).sort(), [...technologies, "cloudtrail-1"].sort());
    for (const technology of technologies) {
      const { queue } = queueParts(synth, queueName(technology));
      assert.equal(byId[technology].queue_arn, `\${${queue.address}.arn}`, `${technology} goes to its queue`);
      assert.deepEqual(byId[technology].events, ["s3:ObjectCreated:*"]);
    }
    assert.equal(byId.cloudtrail.filter_prefix, `AWSLogs/${ACCOUNT}/CloudTrail/`);
    assert.equal(byId["cloudtrail-1"].filter_prefix, `AWSLogs/${ACCOUNT}/CloudTrail-Insight/`);
    assert.equal(byId["cloudtrail-1"].queue_arn, byId.cloudtrail.queue_arn);
    assert.equal(byId.alb.filter_prefix, `alb/AWSLogs/${ACCOUNT}/elasticloadbalancing/`);
    assert.equal(byId.access_logs.filter_suffix, undefined, "an empty suffix is left out");
    const asRoutes = routes.map((r) => ({
      origin: String(r.id),
      events: r.events as string[],
      prefix: String(r.filter_prefix ?? ""),
      suffix: String(r.filter_suffix ?? ""),
    }));
    assert.deepEqual(findFilterOverlaps(asRoutes), []);
  });
});

describe("direct delivery: access and outputs", () => {
  it("lets Devo's role assume the reader role with the given ExternalId", () => {
    const role = synth.one("aws_iam_role");
    assert.equal(role.config.name, "acme-devo-reader");
    assert.equal(role.config.max_session_duration, 3600);
    assert.deepEqual(synth.document(role, "assume_role_policy").Statement[0].Principal, { AWS: DEVO_ROLE });
    const attachment = synth.one("aws_iam_role_policy_attachment");
    assert.equal(attachment.config.role, `\${${role.address}.name}`);
    assert.equal(attachment.config.policy_arn, `\${${synth.one("aws_iam_policy").address}.arn}`);
    assert.equal(synth.ofType("terraform_data").length, 0, "no ExternalId is generated when one is given");
  });

  it("outputs each technology's queue URL, ARN and Devo service, and the hand-off values", () => {
    const outputs = synth.output("technologies") as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(outputs).sort(), [...technologies].sort());
    assert.deepEqual(outputs.vpc, {
      type: "vpcflow",
      service: "aws_sqs_vpc",
      queue_url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/acme-vpc`,
      queue_arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:acme-vpc`,
      dead_letter_queue_url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/acme-vpc-dlq`,
      buckets: [{ bucket: bucketName, owner: ACCOUNT }],
    });
    assert.equal(outputs.waf.service, "aws_sqs_waf");
    assert.equal(outputs.cdn.service, "custom_service");
    assert.equal(synth.output("role_arn"), `arn:aws:iam::${ACCOUNT}:role/acme-devo-reader`);
    assert.equal(synth.output("external_id"), EXTERNAL_ID);
    assert.equal(synth.output("access_mode"), "devo");
    assert.equal(synth.output("bucket"), bucketName);
    assert.equal(synth.output("region"), REGION);
    assert.equal(synth.output("account_id"), ACCOUNT);
    assert.equal(synth.output("kms_key_arn"), "");
    assert.equal(synth.output("reader_policy_arn"), `arn:aws:iam::${ACCOUNT}:policy/acme-reader`);
  });

  it("renders every JSON attribute through jsonencode, so the HCL output stays valid", () => {
    assertJsonAttributesAreExpressions(synth);
  });
});
