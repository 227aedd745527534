import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic/index.js";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy/index.js";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription/index.js";
import { Construct } from "constructs";
import { type AccountRegion, alarmArnPattern, topicArn } from "../../policies/arns.ts";
import { buildAlarmTopicPolicy } from "../../policies/topic-policy.ts";
import { terraformJson } from "../terraform-json.ts";

/** One collector queue as the alarms watch it. */
export interface WatchedQueue {
  /** Technology (or EventBridge rule) name from the configuration; part of the alarm names. */
  technology: string;
  queueName: string;
  deadLetterQueueName: string;
}

export interface PipelineAlarmsProps {
  where: AccountRegion;
  /** Every alarm name starts with it, and the created topic admits only alarms named so. */
  namePrefix: string;
  queues: readonly WatchedQueue[];
  oldestMessageAgeSeconds: number;
  /**
   * Create a topic for the alarms (named `<prefix>-alarms`), with these e-mail subscriptions, encrypted with the
   * pipeline's key when there is one (whose policy must let CloudWatch use it: see buildKeyPolicy's `alarmSources`).
   */
  topic?: { emailSubscriptions: readonly string[]; kmsKeyArn?: string };
  /** Existing topics notified as well. */
  topicArns: readonly string[];
}

/**
 * Failures made loud: per collector queue, an alarm when its dead-letter queue holds any message (a message the
 * collector failed `max_receive_count` times, or one SNS or EventBridge could not deliver) and one when its oldest
 * message is older than the configured age (nobody reads the queue, or not fast enough). Both notify the created
 * topic and the given ones, on ALARM and on OK. SQS reports its metrics once a minute while a queue is active; an
 * idle queue stops reporting, which counts as nothing wrong (`treat_missing_data = notBreaching`).
 */
export class PipelineAlarms extends Construct {
  readonly alarmNames: string[] = [];
  /** The created topic's ARN, or undefined. */
  readonly topicArn?: string;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const { where, namePrefix } = props;
    const actions = [...props.topicArns];
    if (props.topic !== undefined) {
      const name = `${namePrefix}-alarms`;
      const topic = new SnsTopic(this, "topic", {
        name,
        displayName: `Log pipeline ${namePrefix} alarms`,
        ...(props.topic.kmsKeyArn === undefined ? {} : { kmsMasterKeyId: props.topic.kmsKeyArn }),
      });
      new SnsTopicPolicy(this, "topic-policy", {
        arn: topic.arn,
        policy: terraformJson(
          buildAlarmTopicPolicy(topicArn(where, name), alarmArnPattern(where, `${namePrefix}-`), where.account),
        ),
      });
      props.topic.emailSubscriptions.forEach((address, index) => {
        new SnsTopicSubscription(this, `email-${index}`, { topicArn: topic.arn, protocol: "email", endpoint: address });
      });
      this.topicArn = topic.arn;
      actions.unshift(topic.arn);
    }
    for (const queue of props.queues) {
      const technology = queue.technology.replaceAll("_", "-");
      this.alarm(`dead-letters-${queue.technology}`, {
        alarmName: `${namePrefix}-${technology}-dead-letters`,
        alarmDescription: `Messages in ${queue.deadLetterQueueName}: the collector or the delivery into ${queue.queueName} failed; inspect and redrive them (docs/troubleshooting.md)`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        metricName: "ApproximateNumberOfMessagesVisible",
        queueName: queue.deadLetterQueueName,
        actions,
      });
      this.alarm(`oldest-message-${queue.technology}`, {
        alarmName: `${namePrefix}-${technology}-oldest-message`,
        alarmDescription: `The oldest message of ${queue.queueName} is ${props.oldestMessageAgeSeconds} s old or older: the queue is not read, or not fast enough`,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: props.oldestMessageAgeSeconds,
        metricName: "ApproximateAgeOfOldestMessage",
        queueName: queue.queueName,
        actions,
      });
    }
  }

  private alarm(
    id: string,
    settings: {
      alarmName: string;
      alarmDescription: string;
      comparisonOperator: string;
      threshold: number;
      metricName: string;
      queueName: string;
      actions: string[];
    },
  ): void {
    new CloudwatchMetricAlarm(this, id, {
      alarmName: settings.alarmName,
      alarmDescription: settings.alarmDescription,
      namespace: "AWS/SQS",
      metricName: settings.metricName,
      dimensions: { QueueName: settings.queueName },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: settings.comparisonOperator,
      threshold: settings.threshold,
      treatMissingData: "notBreaching",
      alarmActions: settings.actions,
      okActions: settings.actions,
    });
    this.alarmNames.push(settings.alarmName);
  }
}
