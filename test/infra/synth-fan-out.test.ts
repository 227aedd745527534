import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertHardenedQueue, assertJsonAttributesAreExpressions, queueParts } from "./helpers/expectations.ts";
import { ACCOUNT, fanOutScenario, OTHER_ACCOUNT, REGION } from "./helpers/scenarios.ts";
import { GENERATED_EXTERNAL_ID, synthesize } from "./helpers/synth.ts";

// One synth for the file: S3 → SNS (one topic per technology) → SQS, raw delivery off, an extra subscriber,
// a bucket of another account publishing, and an ExternalId generated at deploy time.
const synth = synthesize(fanOutScenario());
const topicArn = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
const topics = { cloudtrail: "acme-cloudtrail-fanout", vpc: "acme-vpc-fanout" };
const topicOf = (name: string) => synth.one("aws_sns_topic", (r) => r.config.name === name);

describe("SNS fan-out: topics (DESIGN 6a)", () => {
  it("creates one topic per technology, unencrypted under SSE (S3 cannot publish to an AWS-managed SNS key)", () => {
    assert.equal(synth.ofType("aws_sns_topic").length, 2);
    for (const name of Object.values(topics)) assert.equal(topicOf(name).config.kms_master_key_id, undefined);
  });

  it("lets S3 publish only for our bucket and the partner's bucket, each with its own account", () => {
    const policyOf = (name: string) =>
      synth.document(
        synth.one("aws_sns_topic_policy", (r) => r.config.arn === `\${${topicOf(name).address}.arn}`),
        "policy",
      );
    const trailTopic = policyOf(topics.cloudtrail);
    assert.deepEqual(
      trailTopic.Statement.map((s: { Condition: unknown }) => s.Condition),
      [
        {
          ArnEquals: { "aws:SourceArn": "arn:aws:s3:::acme-central-logs" },
          StringEquals: { "aws:SourceAccount": ACCOUNT },
        },
        {
          ArnEquals: { "aws:SourceArn": "arn:aws:s3:::partner-trail-logs" },
          StringEquals: { "aws:SourceAccount": OTHER_ACCOUNT },
        },
      ],
    );
    for (const statement of trailTopic.Statement) {
      assert.equal(statement.Action, "sns:Publish");
      assert.equal(statement.Resource, topicArn(topics.cloudtrail));
    }
    assert.equal(policyOf(topics.vpc).Statement.length, 1, "the partner only feeds the CloudTrail topic");
  });

  it("subscribes each queue with the configured raw delivery, plus the extra subscriber", () => {
    const subscriptions = synth.ofType("aws_sns_topic_subscription");
    assert.equal(subscriptions.length, 3);
    for (const [technology, name] of Object.entries(topics)) {
      const { queue } = queueParts(synth, `acme-${technology}`);
      const own = subscriptions.filter((s) => s.config.endpoint === `\${${queue.address}.arn}`);
      assert.equal(own.length, 1, `${technology} queue subscribed once`);
      assert.equal(own[0].config.protocol, "sqs");
      assert.equal(own[0].config.raw_message_delivery, false);
      assert.equal(own[0].config.topic_arn, `\${${topicOf(name).address}.arn}`);
    }
    const extra = subscriptions.find((s) => s.config.endpoint === `arn:aws:sqs:${REGION}:${ACCOUNT}:siem-copy`);
    assert.equal(extra?.config.topic_arn, `\${${topicOf(topics.cloudtrail).address}.arn}`);
  });
});

describe("SNS fan-out: queues and notifications (DESIGN 6a)", () => {
  it("admits only the technology's topic on each queue", () => {
    for (const [technology, name] of Object.entries(topics)) {
      const { policy } = assertHardenedQueue(synth, `acme-${technology}`, { encryption: "sse-sqs" });
      assert.deepEqual(
        synth
          .document(policy, "policy")
          .Statement.map((s: { Principal: unknown; Condition: unknown }) => [s.Principal, s.Condition]),
        [[{ Service: "sns.amazonaws.com" }, { ArnEquals: { "aws:SourceArn": topicArn(name) } }]],
      );
    }
  });

  it("has exactly one notification resource, sending to topics, after the topic and queue policies", () => {
    const [notification, ...more] = synth.ofType("aws_s3_bucket_notification");
    assert.equal(more.length, 0);
    assert.equal(notification.config.queue, undefined);
    const routes = notification.config.topic as Record<string, string>[];
    assert.deepEqual(
      routes.map((r) => [r.id, r.topic_arn]),
      Object.entries(topics).map(([technology, name]) => [technology, `\${${topicOf(name).address}.arn}`]),
    );
    const dependsOn = notification.config.depends_on as string[];
    for (const r of [...synth.ofType("aws_sns_topic_policy"), ...synth.ofType("aws_sqs_queue_policy")]) {
      assert.ok(dependsOn.includes(r.address), `depends on ${r.address}`);
    }
  });
});

describe("SNS fan-out: access", () => {
  it("generates the ExternalId once and keeps it: terraform_data with uuid() and ignore_changes", () => {
    const holder = synth.one("terraform_data");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform interpolation, as synthesized
    assert.deepEqual(holder.config.input, { external_id: "${uuid()}" });
    assert.deepEqual(holder.config.lifecycle, { ignore_changes: ["input"] });
    const trust = synth.document(synth.one("aws_iam_role"), "assume_role_policy");
    assert.deepEqual(trust.Statement[0].Condition, { StringEquals: { "sts:ExternalId": GENERATED_EXTERNAL_ID } });
    assert.equal(synth.output("external_id"), GENERATED_EXTERNAL_ID);
  });

  it("lets the reader get objects from the partner bucket's prefix too", () => {
    const reader = synth.document(synth.one("aws_iam_policy"), "policy");
    const objects = reader.Statement.find((s: { Sid: string }) => s.Sid === "ReadLogObjects");
    assert.deepEqual(objects.Resource, [
      `arn:aws:s3:::acme-central-logs/AWSLogs/${ACCOUNT}/CloudTrail/*`,
      `arn:aws:s3:::acme-central-logs/AWSLogs/${ACCOUNT}/vpcflowlogs/*`,
      "arn:aws:s3:::partner-trail-logs/AWSLogs/*",
    ]);
  });

  it("lists, per queue, the buckets that notify it with their owners (the worker's allowed_buckets)", () => {
    const outputs = synth.output("technologies") as Record<string, { buckets: unknown }>;
    assert.deepEqual(outputs.cloudtrail.buckets, [
      { bucket: "acme-central-logs", owner: ACCOUNT },
      { bucket: "partner-trail-logs", owner: OTHER_ACCOUNT },
    ]);
    assert.deepEqual(outputs.vpc.buckets, [{ bucket: "acme-central-logs", owner: ACCOUNT }]);
  });

  it("renders every JSON attribute through jsonencode", () => {
    assertJsonAttributesAreExpressions(synth);
  });
});
