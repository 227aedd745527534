import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { queueParts } from "../infra/helpers/expectations.ts";
import {
  ACCOUNT,
  alarmsKmsScenario,
  alarmsScenario,
  eventBridgeScenario,
  OTHER_ACCOUNT,
  REGION,
} from "../infra/helpers/scenarios.ts";
import { CREATED_KEY_ID, type Synth, synthesize } from "../infra/helpers/synth.ts";
import { decide } from "./helpers/simulate.ts";

/**
 * Issue 19, point 4: who may put what SNS and EventBridge could not deliver on a dead-letter queue, and who may
 * publish to the alarm topic, decided by IAM simulation on the documents of the synthesized stacks.
 */
const alarms = synthesize(alarmsScenario());
const events = synthesize(eventBridgeScenario());
const arn = (service: string, name: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${name}`;

function deadLetterPolicy(synth: Synth, queueName: string) {
  const { deadLetter } = queueParts(synth, queueName);
  return synth.document(
    synth.one("aws_sqs_queue_policy", (p) => p.config.queue_url === `\${${deadLetter.address}.url}`),
    "policy",
  );
}

function sendToDeadLetters(synth: Synth, queueName: string, principal: string, sourceArn?: string) {
  return decide({
    principal,
    action: "sqs:SendMessage",
    resource: arn("sqs", `${queueName}-dlq`),
    resourceAccount: ACCOUNT,
    context: sourceArn === undefined ? {} : { "aws:SourceArn": sourceArn },
    resourcePolicy: deadLetterPolicy(synth, queueName),
  });
}

describe("dead-letter queue of an EventBridge queue", () => {
  const rule = arn("events", "rule/acme-security-hub-findings");

  it("takes the events its rule could not deliver", async () => {
    assert.equal(await sendToDeadLetters(events, "acme-security-hub", "events.amazonaws.com", rule), "Allowed");
  });

  it("refuses another rule, a request without source, SNS and other accounts", async () => {
    const other = arn("events", "rule/acme-service-events");
    assert.equal(
      await sendToDeadLetters(events, "acme-security-hub", "events.amazonaws.com", other),
      "ImplicitlyDenied",
    );
    assert.equal(await sendToDeadLetters(events, "acme-security-hub", "events.amazonaws.com"), "ImplicitlyDenied");
    assert.equal(await sendToDeadLetters(events, "acme-security-hub", "sns.amazonaws.com", rule), "ImplicitlyDenied");
    assert.equal(
      await sendToDeadLetters(events, "acme-security-hub", `arn:aws:iam::${OTHER_ACCOUNT}:role/anyone`, rule),
      "ImplicitlyDenied",
    );
  });
});

describe("dead-letter queue of a fan-out queue", () => {
  it("takes what the technology's topic could not deliver, and nothing from the other topic or S3", async () => {
    assert.equal(
      await sendToDeadLetters(alarms, "acme-vpc", "sns.amazonaws.com", arn("sns", "acme-vpc-fanout")),
      "Allowed",
    );
    assert.equal(
      await sendToDeadLetters(alarms, "acme-vpc", "sns.amazonaws.com", arn("sns", "acme-cloudtrail-fanout")),
      "ImplicitlyDenied",
    );
    assert.equal(
      await sendToDeadLetters(alarms, "acme-vpc", "s3.amazonaws.com", "arn:aws:s3:::acme-central-logs"),
      "ImplicitlyDenied",
    );
  });

  it("grants nothing but SendMessage", async () => {
    const receive = await decide({
      principal: "sns.amazonaws.com",
      action: "sqs:ReceiveMessage",
      resource: arn("sqs", "acme-vpc-dlq"),
      resourceAccount: ACCOUNT,
      context: { "aws:SourceArn": arn("sns", "acme-vpc-fanout") },
      resourcePolicy: deadLetterPolicy(alarms, "acme-vpc"),
    });
    assert.equal(receive, "ImplicitlyDenied");
  });
});

describe("alarm topic", () => {
  const topic = alarms.one("aws_sns_topic", (t) => t.config.name === "acme-alarms");
  const policy = alarms.document(
    alarms.one("aws_sns_topic_policy", (p) => p.config.arn === `\${${topic.address}.arn}`),
    "policy",
  );
  const publish = (principal: string, context: Record<string, string>) =>
    decide({
      principal,
      action: "sns:Publish",
      resource: arn("sns", "acme-alarms"),
      resourceAccount: ACCOUNT,
      context,
      resourcePolicy: policy,
    });
  const alarm = (name: string, account = ACCOUNT) => ({
    "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`,
    "aws:SourceAccount": account,
  });

  it("takes the notifications of every alarm the stack creates", async () => {
    for (const name of alarms.output("alarm_names") as string[]) {
      assert.equal(await publish("cloudwatch.amazonaws.com", alarm(name)), "Allowed", name);
    }
  });

  it("refuses other alarms, alarms of other accounts, and other services", async () => {
    assert.equal(await publish("cloudwatch.amazonaws.com", alarm("billing-spike")), "ImplicitlyDenied");
    assert.equal(
      await publish("cloudwatch.amazonaws.com", alarm("acme-vpc-dead-letters", OTHER_ACCOUNT)),
      "ImplicitlyDenied",
    );
    assert.equal(await publish("cloudwatch.amazonaws.com", {}), "ImplicitlyDenied");
    assert.equal(await publish("s3.amazonaws.com", alarm("acme-vpc-dead-letters")), "ImplicitlyDenied");
  });
});

describe("alarm topic under the pipeline's key", () => {
  // With encryption.mode kms the created alarm topic is encrypted with the pipeline's key: CloudWatch must be able
  // to use the key for our alarms, or every notification would be dropped.
  const encrypted = synthesize(alarmsKmsScenario());
  const keyPolicy = encrypted.document(encrypted.one("aws_kms_key"), "policy");
  const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`;
  const useKey = (action: string, alarmName: string, account = ACCOUNT) =>
    decide({
      principal: "cloudwatch.amazonaws.com",
      action,
      resource: keyArn,
      resourceAccount: ACCOUNT,
      context: {
        "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${account}:alarm:${alarmName}`,
        "aws:SourceAccount": account,
      },
      resourcePolicy: keyPolicy,
    });

  it("is encrypted with the key, which CloudWatch may use for every alarm of the stack", async () => {
    const topic = encrypted.one("aws_sns_topic", (t) => t.config.name === "acme-alarms");
    assert.equal(encrypted.value(topic.config.kms_master_key_id), keyArn);
    for (const name of encrypted.output("alarm_names") as string[]) {
      assert.equal(await useKey("kms:GenerateDataKey", name), "Allowed", name);
      assert.equal(await useKey("kms:Decrypt", name), "Allowed", name);
    }
  });

  it("lets CloudWatch use the key for no other alarm, account or operation", async () => {
    assert.equal(await useKey("kms:GenerateDataKey", "billing-spike"), "ImplicitlyDenied");
    assert.equal(await useKey("kms:GenerateDataKey", "acme-vpc-dead-letters", OTHER_ACCOUNT), "ImplicitlyDenied");
    assert.equal(await useKey("kms:ReEncryptFrom", "acme-vpc-dead-letters"), "ImplicitlyDenied");
  });

  it("leaves the topic to SNS's default when the pipeline has no key, and gives CloudWatch nothing then", () => {
    const topic = alarms.one("aws_sns_topic", (t) => t.config.name === "acme-alarms");
    assert.equal(topic.config.kms_master_key_id, undefined);
    const withoutTopic = synthesize({ ...alarmsKmsScenario(), alarms: { enabled: true } });
    const statements = withoutTopic.document(withoutTopic.one("aws_kms_key"), "policy").Statement;
    assert.equal(
      statements.some((s: { Sid: string }) => s.Sid === "CloudWatchAlarmsToEncryptedTopic"),
      false,
    );
  });
});
