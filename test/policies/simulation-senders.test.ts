import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ACCOUNT,
  directScenario,
  eventBridgeScenario,
  fanOutScenario,
  OTHER_ACCOUNT,
  REGION,
} from "../infra/helpers/scenarios.ts";
import { type Synth, synthesize } from "../infra/helpers/synth.ts";
import { decide } from "./helpers/simulate.ts";

/**
 * Who may put messages on the collector queues and publish to the fan-out topics, decided by IAM simulation on
 * the documents taken out of the synthesized stacks (one synth per scenario, shared by the file).
 */
const direct = synthesize(directScenario());
const fanOut = synthesize(fanOutScenario());
const events = synthesize(eventBridgeScenario());

const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const topicArn = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

function queuePolicy(synth: Synth, queueName: string) {
  const queue = synth.one("aws_sqs_queue", (r) => r.config.name === queueName);
  return synth.document(
    synth.one("aws_sqs_queue_policy", (p) => p.config.queue_url === `\${${queue.address}.url}`),
    "policy",
  );
}

function send(synth: Synth, queueName: string, principal: string, context: Record<string, string>, target = queueName) {
  return decide({
    principal,
    action: "sqs:SendMessage",
    resource: queueArn(target),
    resourceAccount: ACCOUNT,
    context,
    resourcePolicy: queuePolicy(synth, queueName),
  });
}

describe("S3 → SQS: only our bucket, in our account", () => {
  const bucket = "arn:aws:s3:::aws-waf-logs-acme-security";
  const ours = { "aws:SourceArn": bucket, "aws:SourceAccount": ACCOUNT };

  it("allows S3 notifications from our bucket on every technology's queue", async () => {
    for (const name of ["acme-cloudtrail", "acme-vpc", "acme-alb", "acme-waf", "acme-app"]) {
      assert.equal(await send(direct, name, "s3.amazonaws.com", ours), "Allowed", name);
    }
  });

  it("denies another bucket, our bucket name claimed from another account, and a request without source", async () => {
    assert.equal(
      await send(direct, "acme-vpc", "s3.amazonaws.com", { ...ours, "aws:SourceArn": "arn:aws:s3:::attacker-bucket" }),
      "ImplicitlyDenied",
    );
    assert.equal(
      await send(direct, "acme-vpc", "s3.amazonaws.com", { ...ours, "aws:SourceAccount": OTHER_ACCOUNT }),
      "ImplicitlyDenied",
    );
    assert.equal(await send(direct, "acme-vpc", "s3.amazonaws.com", {}), "ImplicitlyDenied");
  });

  it("denies other services and principals of other accounts", async () => {
    assert.equal(await send(direct, "acme-vpc", "sns.amazonaws.com", ours), "ImplicitlyDenied");
    assert.equal(await send(direct, "acme-vpc", "events.amazonaws.com", ours), "ImplicitlyDenied");
    assert.equal(await send(direct, "acme-vpc", `arn:aws:iam::${OTHER_ACCOUNT}:role/anyone`, ours), "ImplicitlyDenied");
  });

  it("grants nothing on other queues and nothing but SendMessage", async () => {
    assert.equal(await send(direct, "acme-vpc", "s3.amazonaws.com", ours, "acme-cloudtrail"), "ImplicitlyDenied");
    const receive = await decide({
      principal: "s3.amazonaws.com",
      action: "sqs:ReceiveMessage",
      resource: queueArn("acme-vpc"),
      resourceAccount: ACCOUNT,
      context: ours,
      resourcePolicy: queuePolicy(direct, "acme-vpc"),
    });
    assert.equal(receive, "ImplicitlyDenied");
  });
});

describe("SNS → SQS: only the technology's topic", () => {
  it("allows the technology's own topic", async () => {
    assert.equal(
      await send(fanOut, "acme-cloudtrail", "sns.amazonaws.com", {
        "aws:SourceArn": topicArn("acme-cloudtrail-fanout"),
      }),
      "Allowed",
    );
    assert.equal(
      await send(fanOut, "acme-vpc", "sns.amazonaws.com", { "aws:SourceArn": topicArn("acme-vpc-fanout") }),
      "Allowed",
    );
  });

  it("denies the other technology's topic, S3 directly, and a topic of another account", async () => {
    assert.equal(
      await send(fanOut, "acme-cloudtrail", "sns.amazonaws.com", { "aws:SourceArn": topicArn("acme-vpc-fanout") }),
      "ImplicitlyDenied",
    );
    const s3 = { "aws:SourceArn": "arn:aws:s3:::acme-central-logs", "aws:SourceAccount": ACCOUNT };
    assert.equal(await send(fanOut, "acme-cloudtrail", "s3.amazonaws.com", s3), "ImplicitlyDenied");
    const foreign = `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:acme-cloudtrail-fanout`;
    assert.equal(
      await send(fanOut, "acme-cloudtrail", "sns.amazonaws.com", { "aws:SourceArn": foreign }),
      "ImplicitlyDenied",
    );
  });
});

describe("S3 → SNS: only the configured buckets, each from its own account", () => {
  function publish(topicName: string, context: Record<string, string>) {
    const topic = fanOut.one("aws_sns_topic", (r) => r.config.name === topicName);
    const policy = fanOut.document(
      fanOut.one("aws_sns_topic_policy", (p) => p.config.arn === `\${${topic.address}.arn}`),
      "policy",
    );
    return decide({
      principal: "s3.amazonaws.com",
      action: "sns:Publish",
      resource: topicArn(topicName),
      resourceAccount: ACCOUNT,
      context,
      resourcePolicy: policy,
    });
  }

  it("allows our bucket and the partner's bucket of another account", async () => {
    const ours = { "aws:SourceArn": "arn:aws:s3:::acme-central-logs", "aws:SourceAccount": ACCOUNT };
    assert.equal(await publish("acme-cloudtrail-fanout", ours), "Allowed");
    assert.equal(await publish("acme-vpc-fanout", ours), "Allowed");
    const partner = { "aws:SourceArn": "arn:aws:s3:::partner-trail-logs", "aws:SourceAccount": OTHER_ACCOUNT };
    assert.equal(await publish("acme-cloudtrail-fanout", partner), "Allowed");
  });

  it("denies the partner on a topic it does not feed, a mismatched account, and unknown buckets", async () => {
    const partner = { "aws:SourceArn": "arn:aws:s3:::partner-trail-logs", "aws:SourceAccount": OTHER_ACCOUNT };
    assert.equal(await publish("acme-vpc-fanout", partner), "ImplicitlyDenied");
    assert.equal(
      await publish("acme-cloudtrail-fanout", { ...partner, "aws:SourceAccount": ACCOUNT }),
      "ImplicitlyDenied",
    );
    assert.equal(
      await publish("acme-cloudtrail-fanout", {
        "aws:SourceArn": "arn:aws:s3:::someone-else",
        "aws:SourceAccount": ACCOUNT,
      }),
      "ImplicitlyDenied",
    );
  });
});

describe("EventBridge → SQS: only our rules", () => {
  const rule = (name: string, account = ACCOUNT) => `arn:aws:events:${REGION}:${account}:rule/${name}`;

  it("allows each rule on its own queue", async () => {
    assert.equal(
      await send(events, "acme-security-hub", "events.amazonaws.com", {
        "aws:SourceArn": rule("acme-security-hub-findings"),
      }),
      "Allowed",
    );
    assert.equal(
      await send(events, "acme-service-events", "events.amazonaws.com", {
        "aws:SourceArn": rule("acme-service-events"),
      }),
      "Allowed",
    );
  });

  it("denies the other rule, a rule of another account, and no rule at all", async () => {
    assert.equal(
      await send(events, "acme-security-hub", "events.amazonaws.com", { "aws:SourceArn": rule("acme-service-events") }),
      "ImplicitlyDenied",
    );
    assert.equal(
      await send(events, "acme-security-hub", "events.amazonaws.com", {
        "aws:SourceArn": rule("acme-security-hub-findings", OTHER_ACCOUNT),
      }),
      "ImplicitlyDenied",
    );
    assert.equal(await send(events, "acme-security-hub", "events.amazonaws.com", {}), "ImplicitlyDenied");
  });
});
