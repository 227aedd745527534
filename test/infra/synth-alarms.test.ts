import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertIssue, issuesOf } from "./helpers/config-issues.ts";
import { queueParts } from "./helpers/expectations.ts";
import {
  ACCOUNT,
  ALARM_EMAIL,
  alarmsScenario,
  DIRECT_QUEUES,
  directScenario,
  EXISTING_ALARM_TOPIC,
  eventBridgeScenario,
  fanOutScenario,
  OTHER_ACCOUNT,
  REGION,
  SUBSCRIBED_FUNCTION,
} from "./helpers/scenarios.ts";
import { type Synth, synthesize } from "./helpers/synth.ts";

/** Issue 19, point 4 (failures are silent) and point 5 (extra subscribers set up half-way). */
const direct = synthesize(directScenario());
const alarms = synthesize(alarmsScenario());
const events = synthesize(eventBridgeScenario());
const alarmTopic = `arn:aws:sns:${REGION}:${ACCOUNT}:acme-alarms`;

const alarmOn = (synth: Synth, metric: string, queueName: string) =>
  synth.one(
    "aws_cloudwatch_metric_alarm",
    (a) => a.config.metric_name === metric && a.config.dimensions?.QueueName === queueName,
  );

describe("alarms on the queues (issue 19, point 4)", () => {
  it("raises an alarm when any dead-letter queue holds a message, on by default", () => {
    for (const queue of DIRECT_QUEUES) {
      const alarm = alarmOn(direct, "ApproximateNumberOfMessagesVisible", `${queue}-dlq`).config;
      assert.equal(alarm.namespace, "AWS/SQS");
      assert.equal(alarm.comparison_operator, "GreaterThanThreshold");
      assert.equal(alarm.threshold, 0);
      assert.equal(alarm.statistic, "Maximum");
      assert.equal(alarm.treat_missing_data, "notBreaching");
      assert.match(alarm.alarm_name, /^acme-/);
    }
  });

  it("raises an alarm when a collector queue's oldest message reaches the configured age (1 hour by default)", () => {
    for (const queue of DIRECT_QUEUES) {
      const alarm = alarmOn(direct, "ApproximateAgeOfOldestMessage", queue).config;
      assert.equal(alarm.comparison_operator, "GreaterThanOrEqualToThreshold");
      assert.equal(alarm.threshold, 3600);
    }
    assert.equal(alarmOn(alarms, "ApproximateAgeOfOldestMessage", "acme-vpc").config.threshold, 1800);
  });

  it("covers the EventBridge queues too, and lists every alarm in an output", () => {
    const names = events.output("alarm_names") as string[];
    assert.deepEqual(names.toSorted(), [
      "acme-security-hub-dead-letters",
      "acme-security-hub-oldest-message",
      "acme-service-events-dead-letters",
      "acme-service-events-oldest-message",
    ]);
    assert.equal(direct.ofType("aws_cloudwatch_metric_alarm").length, DIRECT_QUEUES.length * 2);
  });

  it("creates no topic unless asked, and no alarm when alarms are off", () => {
    assert.equal(direct.ofType("aws_sns_topic").length, 0);
    assert.equal(direct.output("alarm_topic_arn"), "");
    const quiet = synthesize({ ...directScenario(), alarms: { enabled: false } });
    assert.equal(quiet.ofType("aws_cloudwatch_metric_alarm").length, 0);
    assert.deepEqual(quiet.output("alarm_names"), []);
  });

  it("sends ALARM and OK to the created topic and the existing one; mails the subscribed address", () => {
    for (const alarm of alarms.ofType("aws_cloudwatch_metric_alarm")) {
      assert.deepEqual(alarms.value(alarm.config.alarm_actions), [alarmTopic, EXISTING_ALARM_TOPIC]);
      assert.deepEqual(alarms.value(alarm.config.ok_actions), [alarmTopic, EXISTING_ALARM_TOPIC]);
    }
    const topic = alarms.one("aws_sns_topic", (t) => t.config.name === "acme-alarms");
    assert.equal(alarms.output("alarm_topic_arn"), alarmTopic);
    const email = alarms.one("aws_sns_topic_subscription", (s) => s.config.protocol === "email");
    assert.equal(email.config.endpoint, ALARM_EMAIL);
    assert.equal(email.config.topic_arn, `\${${topic.address}.arn}`);
    const policy = alarms.one("aws_sns_topic_policy", (p) => p.config.arn === `\${${topic.address}.arn}`);
    assert.deepEqual(
      alarms.document(policy, "policy").Statement.map((s: { Principal: unknown }) => s.Principal),
      [{ Service: "cloudwatch.amazonaws.com" }],
    );
  });
});

describe("dead-letter queues for SNS and EventBridge deliveries (issue 19, point 4)", () => {
  it("gives each EventBridge target the queue's dead-letter queue and an explicit retry policy", () => {
    for (const queueName of ["acme-security-hub", "acme-service-events"]) {
      const { queue, deadLetter } = queueParts(events, queueName);
      const target = events.one("aws_cloudwatch_event_target", (t) => t.config.arn === `\${${queue.address}.arn}`);
      assert.deepEqual(target.config.dead_letter_config, { arn: `\${${deadLetter.address}.arn}` });
      assert.deepEqual(target.config.retry_policy, {
        maximum_event_age_in_seconds: 86400,
        maximum_retry_attempts: 185,
      });
    }
  });

  it("gives each queue's own SNS subscription a redrive policy to the queue's dead-letter queue", () => {
    for (const technology of ["cloudtrail", "vpc"]) {
      const { queue, deadLetter } = queueParts(alarms, `acme-${technology}`);
      const subscription = alarms.one(
        "aws_sns_topic_subscription",
        (s) => s.config.endpoint === `\${${queue.address}.arn}`,
      );
      assert.deepEqual(alarms.document(subscription, "redrive_policy"), {
        deadLetterTargetArn: alarms.value(`\${${deadLetter.address}.arn}`),
      });
    }
  });

  it("admits the topic or rule on the dead-letter queue in a policy of its own; none where S3 sends directly", () => {
    const dlqPolicy = (synth: Synth, name: string) => {
      const { deadLetter } = queueParts(synth, name);
      return synth.ofType("aws_sqs_queue_policy").filter((p) => p.config.queue_url === `\${${deadLetter.address}.url}`);
    };
    assert.equal(dlqPolicy(alarms, "acme-vpc").length, 1);
    assert.equal(dlqPolicy(events, "acme-security-hub").length, 1);
    assert.equal(dlqPolicy(direct, "acme-vpc").length, 0);
  });
});

describe("extra SNS subscribers (issue 19, point 5)", () => {
  it("lets SNS invoke a subscribed Lambda function from that topic only", () => {
    const topic = alarms.one("aws_sns_topic", (t) => t.config.name === "acme-vpc-fanout");
    const permission = alarms.one("aws_lambda_permission").config;
    assert.equal(permission.principal, "sns.amazonaws.com");
    assert.equal(permission.action, "lambda:InvokeFunction");
    assert.equal(permission.source_arn, `\${${topic.address}.arn}`);
    assert.equal(permission.function_name, SUBSCRIBED_FUNCTION.replace(/:live$/, ""));
    assert.equal(permission.qualifier, "live");
    const subscription = alarms.one("aws_sns_topic_subscription", (s) => s.config.protocol === "lambda");
    assert.equal(subscription.config.endpoint, SUBSCRIBED_FUNCTION);
    assert.equal(subscription.config.redrive_policy, undefined, "another consumer's failures are not our dead letters");
  });

  const withSubscriber = (subscriber: Record<string, string>) => {
    const scenario = fanOutScenario();
    scenario.sns.subscribers = [{ technology: "cloudtrail", ...subscriber }];
    return issuesOf(scenario);
  };

  it("refuses https subscribers, saying why", () => {
    assertIssue(
      withSubscriber({ protocol: "https", endpoint: "https://siem.example.com/sns" }),
      "sns.subscribers[0].protocol",
      /pending.*Terraform cannot delete/,
    );
  });

  it("refuses a queue of another account, which the provider must subscribe from that account", () => {
    assertIssue(
      withSubscriber({ protocol: "sqs", endpoint: `arn:aws:sqs:${REGION}:${OTHER_ACCOUNT}:siem` }),
      "sns.subscribers[0].endpoint",
      /queue's account/,
    );
    assertIssue(withSubscriber({ protocol: "sqs", endpoint: "siem" }), "sns.subscribers[0].endpoint", /SQS queue ARN/);
  });

  it("refuses a function of another account or Region, whose policy the stack cannot change", () => {
    for (const endpoint of [
      `arn:aws:lambda:${REGION}:${OTHER_ACCOUNT}:function:enricher`,
      `arn:aws:lambda:us-east-1:${ACCOUNT}:function:enricher`,
    ]) {
      assertIssue(
        withSubscriber({ protocol: "lambda", endpoint }),
        "sns.subscribers[0].endpoint",
        /account and Region/,
      );
    }
  });
});

describe("alarm settings (issue 19, point 4)", () => {
  const withAlarms = (settings: Record<string, unknown>) => issuesOf({ ...directScenario(), alarms: settings });

  it("needs the created topic for e-mail subscriptions", () => {
    assertIssue(withAlarms({ email_subscriptions: [ALARM_EMAIL] }), "alarms.email_subscriptions", /create_topic/);
  });

  it("refuses an age the visibility timeout reaches or the retention never does, and topics of other Regions", () => {
    assertIssue(withAlarms({ oldest_message_age_seconds: 300 }), "alarms.oldest_message_age_seconds", /visibility/);
    assertIssue(withAlarms({ oldest_message_age_seconds: 400000 }), "alarms.oldest_message_age_seconds", /retention/);
    assertIssue(withAlarms({ topic_arns: [`arn:aws:sns:us-east-1:${ACCOUNT}:ops`] }), "alarms.topic_arns[0]", /Region/);
    assertIssue(withAlarms({ email_subscriptions: ["not-an-address"] }), "alarms.email_subscriptions[0]", /e-mail/);
  });
});
