import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertIssue, issuesOf } from "./helpers/config-issues.ts";
import {
  ACCOUNT,
  directScenario,
  existingBucketScenario,
  kmsScenario,
  REGION,
  type ScenarioConfig,
} from "./helpers/scenarios.ts";
import { CREATED_KEY_ID, synthesize } from "./helpers/synth.ts";

/**
 * Issue 19: what would hurt on a customer's real AWS estate, each as a synth assertion or a refused configuration.
 * The IAM side (GuardDuty's Regions, the trail's key, the reader's kms:ViaService) is simulated in test/policies/.
 */
const clone = (scenario: ScenarioConfig): ScenarioConfig => structuredClone(scenario);

describe("an existing bucket keeps its notifications", () => {
  it("is refused without replace_notifications, saying what is replaced and how to carry it over", () => {
    const scenario = clone(existingBucketScenario());
    delete scenario.bucket.replace_notifications;
    delete scenario.bucket.carry_over_notifications;
    assertIssue(
      issuesOf(scenario),
      "bucket.replace_notifications",
      /replaces its whole notification configuration.*deletes it on destroy.*get-bucket-notification-configuration --bucket org-trail-archive.*carry_over_notifications/,
    );
  });

  it("writes the carried-over destinations into the one notification configuration, beside the pipeline's", () => {
    const synth = synthesize(existingBucketScenario());
    const notification = synth.one("aws_s3_bucket_notification");
    assert.deepEqual(notification.config.lambda_function, [
      {
        id: "archive-indexer",
        events: ["s3:ObjectCreated:*"],
        filter_prefix: "AWSLogs/o-abc123/",
        filter_suffix: ".csv",
        lambda_function_arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:archive-indexer`,
      },
    ]);
    assert.equal(notification.config.queue.length, 1);
  });

  it("refuses a carried-over destination whose filter overlaps a technology's", () => {
    const scenario = clone(existingBucketScenario());
    scenario.bucket.carry_over_notifications[0].suffix = ".json.gz";
    assertIssue(issuesOf(scenario), "technologies.cloudtrail", /bucket.carry_over_notifications\[0\].*overlap/);
  });

  it("refuses the existing-bucket keys on a created bucket, and manage_policy: false there", () => {
    const scenario = clone(directScenario());
    scenario.bucket.replace_notifications = true;
    scenario.bucket.manage_policy = false;
    const issues = issuesOf(scenario);
    assertIssue(issues, "bucket.replace_notifications", /only to an existing bucket/);
    assertIssue(issues, "bucket.manage_policy", /a bucket the stack creates always gets/);
  });
});

describe("CloudTrail under the pipeline key", () => {
  it("encrypts the trail with the key by default whenever the bucket's default encryption is the key", () => {
    const scenario = clone(kmsScenario());
    delete scenario.trail.kms;
    const synth = synthesize(scenario);
    assert.equal(
      synth.value(synth.one("aws_cloudtrail").config.kms_key_id),
      `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`,
    );
  });

  it("refuses trail.kms: false when the bucket encrypts with the key", () => {
    const scenario = clone(kmsScenario());
    scenario.trail.kms = false;
    assertIssue(issuesOf(scenario), "trail.kms", /encrypts with it itself/);
  });
});

describe("smaller points", () => {
  it("admits only the management event sources CloudTrail can exclude", () => {
    const scenario = clone(directScenario());
    scenario.trail.exclude_management_event_sources = ["kms.amazonaws.com", "s3.amazonaws.com"];
    assertIssue(
      issuesOf(scenario),
      "trail.exclude_management_event_sources[1]",
      /only kms\.amazonaws\.com and rdsdata/,
    );
    scenario.trail.exclude_management_event_sources = ["kms.amazonaws.com", "rdsdata.amazonaws.com"];
    synthesize(scenario);
  });

  it("long-polls every queue, dead-letter queues included", () => {
    const synth = synthesize(directScenario());
    for (const queue of synth.ofType("aws_sqs_queue")) {
      assert.equal(queue.config.receive_wait_time_seconds, 20, queue.config.name);
    }
  });

  it("refuses the documentation account and unknown Regions", () => {
    const issues = issuesOf({ ...directScenario(), account: "123456789012", region: "eu-west-9" });
    assertIssue(issues, "account", /example account of AWS's documentation/);
    assertIssue(issues, "region", /not an AWS Region/);
  });

  it("builds an organization trail: the flag, the organization folder in the bucket policy and the route", () => {
    const scenario = clone(directScenario());
    scenario.trail.organization_id = "o-a1b2c3d4e5";
    const synth = synthesize(scenario);
    assert.equal(synth.one("aws_cloudtrail").config.is_organization_trail, true);
    const policy = synth.document(synth.one("aws_s3_bucket_policy"), "policy");
    const write = policy.Statement.find((s: { Sid: string }) => s.Sid === "CloudTrailOrganizationWrite");
    assert.equal(write.Resource, "arn:aws:s3:::aws-waf-logs-acme-security/AWSLogs/o-a1b2c3d4e5/*");
    assert.equal(
      write.Condition.StringEquals["aws:SourceArn"],
      `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/acme-trail`,
    );
    const queue = synth.one("aws_s3_bucket_notification").config.queue;
    const cloudtrail = queue.filter((q: { id: string }) => q.id.startsWith("cloudtrail"));
    assert.deepEqual(
      cloudtrail.map((q: { filter_prefix: string }) => q.filter_prefix),
      ["AWSLogs/o-a1b2c3d4e5/"],
    );
  });
});
