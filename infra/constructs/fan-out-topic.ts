import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission/index.js";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic/index.js";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy/index.js";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription/index.js";
import { Construct } from "constructs";
import { type AccountRegion, topicArn } from "../../policies/arns.ts";
import { buildTopicPolicy, type TopicPublisherBucket } from "../../policies/topic-policy.ts";
import { terraformJson } from "../terraform-json.ts";

export interface TopicSubscriber {
  protocol: "sqs" | "lambda" | "https";
  endpoint: string;
  rawMessageDelivery: boolean;
  /** A queue (real ARN) that admits the topic: messages SNS gives up delivering go there (redrive policy). */
  deadLetterQueueArn?: string;
}

export interface FanOutTopicProps {
  where: AccountRegion;
  name: string;
  /**
   * A customer-managed key, or none. SNS's AWS-managed key (`alias/aws/sns`) is not an option: S3 cannot use
   * it, so notifications to a topic encrypted with it are lost.
   */
  kmsKeyArn?: string;
  /** Buckets (ours and other accounts') whose notifications may publish here. */
  publishers: readonly TopicPublisherBucket[];
  subscribers: readonly TopicSubscriber[];
}

/**
 * SNS fan-out between S3 and the collector queue: the topic, its policy (S3 publishes only for the named buckets
 * and their accounts) and the subscriptions. The queue must already admit the topic (`QueueSender` sns-topic).
 */
export class FanOutTopic extends Construct {
  readonly topic: SnsTopic;
  readonly policy: SnsTopicPolicy;
  /** Known at synth time, for queue and key policies. */
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: FanOutTopicProps) {
    super(scope, id);
    this.topicArn = topicArn(props.where, props.name);
    this.topic = new SnsTopic(this, "topic", {
      name: props.name,
      ...(props.kmsKeyArn === undefined ? {} : { kmsMasterKeyId: props.kmsKeyArn }),
    });
    this.policy = new SnsTopicPolicy(this, "policy", {
      arn: this.topic.arn,
      policy: terraformJson(buildTopicPolicy(this.topicArn, props.publishers)),
    });
    props.subscribers.forEach((subscriber, index) => {
      // SNS invokes a function only if the function's policy admits the topic; the subscription alone delivers nothing.
      const invoke =
        subscriber.protocol === "lambda"
          ? new LambdaPermission(this, `subscription-${index}-invoke`, {
              statementId: `AllowSns-${props.name}`,
              action: "lambda:InvokeFunction",
              principal: "sns.amazonaws.com",
              sourceArn: this.topic.arn,
              ...lambdaFunctionOf(subscriber.endpoint),
            })
          : undefined;
      new SnsTopicSubscription(this, `subscription-${index}`, {
        ...(invoke === undefined ? {} : { dependsOn: [invoke] }),
        topicArn: this.topic.arn,
        protocol: subscriber.protocol,
        endpoint: subscriber.endpoint,
        // SNS accepts the raw-delivery flag only for queue and HTTP(S) endpoints.
        ...(subscriber.protocol === "lambda" ? {} : { rawMessageDelivery: subscriber.rawMessageDelivery }),
        ...(subscriber.deadLetterQueueArn === undefined
          ? {}
          : { redrivePolicy: terraformJson({ deadLetterTargetArn: subscriber.deadLetterQueueArn }) }),
      });
    });
  }
}

/** A function ARN, possibly qualified (`:alias` or `:version`), as `aws_lambda_permission` takes it. */
function lambdaFunctionOf(arn: string): { functionName: string; qualifier?: string } {
  const parts = arn.split(":");
  return parts.length === 8
    ? { functionName: parts.slice(0, 7).join(":"), qualifier: parts[7] }
    : { functionName: arn };
}
