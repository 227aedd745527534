import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { TerraformStack, Testing } from "cdktf";
import { BucketNotifications } from "../../infra/constructs/bucket-notifications.ts";
import { LogQueue } from "../../infra/constructs/log-queue.ts";
import { LogTrail } from "../../infra/constructs/log-trail.ts";
import { ReaderPolicy } from "../../infra/constructs/reader-policy.ts";
import { Synth, testingApp } from "./helpers/synth.ts";

/** The constructs used on their own, outside `PipelineStack`, as a TypeScript user would. */
const where = { partition: "aws" as const, account: "111122223333", region: "eu-west-1" };

function bareStack(): TerraformStack {
  const stack = new TerraformStack(testingApp(), "standalone");
  new AwsProvider(stack, "aws", { region: where.region });
  return stack;
}

const queueProps = {
  where,
  visibilityTimeoutSeconds: 120,
  messageRetentionSeconds: 86400,
  deadLetterRetentionSeconds: 604800,
  maxReceiveCount: 3,
  receiveWaitTimeSeconds: 20,
  encryption: { kind: "sse-sqs" as const },
};

describe("constructs on their own", () => {
  it("LogQueue: a queue, its dead-letter queue and its one policy", () => {
    const stack = bareStack();
    new LogQueue(stack, "app", {
      ...queueProps,
      name: "app-logs",
      senders: [{ kind: "eventbridge-rule", ruleArn: "arn:aws:events:eu-west-1:111122223333:rule/app" }],
    });
    const synth = new Synth(JSON.parse(Testing.synth(stack)), where.account, where.region);
    assert.deepEqual(
      synth
        .ofType("aws_sqs_queue")
        .map((q) => q.config.name)
        .sort(),
      ["app-logs", "app-logs-dlq"],
    );
    const queue = synth.one("aws_sqs_queue", (q) => q.config.name === "app-logs");
    assert.deepEqual(synth.document(queue, "redrive_policy").maxReceiveCount, 3);
    assert.equal(synth.ofType("aws_sqs_queue_policy").length, 1);
  });

  it("LogQueue refuses a dead-letter queue that keeps messages for less time than the queue", () => {
    assert.throws(
      () =>
        new LogQueue(bareStack(), "q", {
          ...queueProps,
          name: "short",
          deadLetterRetentionSeconds: 86400,
          senders: [{ kind: "sns-topic", topicArn: "arn:aws:sns:eu-west-1:111122223333:t" }],
        }),
      /queue short: dead-letter retention \(86400s\) must exceed message retention \(86400s\)/,
    );
  });

  it("BucketNotifications refuses a second notification resource for the same bucket in a stack", () => {
    const stack = bareStack();
    const route = {
      id: "a",
      destination: { kind: "queue" as const, arn: "arn:aws:sqs:eu-west-1:111122223333:a" },
      events: ["s3:ObjectCreated:*"],
      prefix: "a/",
      suffix: "",
    };
    new BucketNotifications(stack, "first", { bucketName: "shared-bucket", routes: [route], dependsOn: [] });
    assert.throws(
      () =>
        new BucketNotifications(stack, "second", {
          bucketName: "shared-bucket",
          routes: [{ ...route, prefix: "b/" }],
          dependsOn: [],
        }),
      /bucket shared-bucket already has a notification configuration in stack standalone/,
    );
    new BucketNotifications(stack, "other", { bucketName: "other-bucket", routes: [route], dependsOn: [] });
    new BucketNotifications(bareStack(), "elsewhere", { bucketName: "shared-bucket", routes: [route], dependsOn: [] });
  });

  it("BucketNotifications refuses overlapping filters and repeated route ids", () => {
    const route = {
      id: "a",
      destination: { kind: "queue" as const, arn: "arn:aws:sqs:eu-west-1:111122223333:a" },
      events: ["s3:ObjectCreated:*"],
      prefix: "logs/",
      suffix: ".gz",
    };
    assert.throws(
      () =>
        new BucketNotifications(bareStack(), "n", {
          bucketName: "b1",
          routes: [route, { ...route, id: "b", prefix: "logs/x/" }],
          dependsOn: [],
        }),
      /bucket b1: notification filters of a .* and b .* overlap/,
    );
    assert.throws(
      () =>
        new BucketNotifications(bareStack(), "n", {
          bucketName: "b2",
          routes: [route, { ...route, suffix: ".csv" }],
          dependsOn: [],
        }),
      /route id a is used twice/,
    );
  });

  it("LogTrail refuses a trail that records nothing", () => {
    assert.throws(
      () =>
        new LogTrail(bareStack(), "t", {
          name: "t",
          bucketName: "b",
          keyPrefix: "",
          managementEvents: false,
          dependsOn: [],
        }),
      /trail t would record nothing/,
    );
  });

  it("ReaderPolicy attaches to any role, e.g. a future ECS task role", () => {
    const stack = bareStack();
    const taskRole = new IamRole(stack, "task-role", {
      name: "collector-task",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    const reader = new ReaderPolicy(stack, "reader", {
      name: "collector-reader",
      queueArns: ["arn:aws:sqs:eu-west-1:111122223333:app-logs"],
      objectArns: ["arn:aws:s3:::app-log-bucket/apps/*"],
      kmsKeyArns: [],
      region: where.region,
    });
    reader.attachToRole("task", taskRole.name);
    const synth = new Synth(JSON.parse(Testing.synth(stack)), where.account, where.region);
    const attachment = synth.one("aws_iam_role_policy_attachment");
    assert.equal(attachment.config.role, `\${${synth.one("aws_iam_role").address}.name}`);
    assert.equal(attachment.config.policy_arn, `\${${synth.one("aws_iam_policy").address}.arn}`);
  });
});
