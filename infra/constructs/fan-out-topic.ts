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
      new SnsTopicSubscription(this, `subscription-${index}`, {
        topicArn: this.topic.arn,
        protocol: subscriber.protocol,
        endpoint: subscriber.endpoint,
        // SNS accepts the raw-delivery flag only for queue and HTTP(S) endpoints.
        ...(subscriber.protocol === "lambda" ? {} : { rawMessageDelivery: subscriber.rawMessageDelivery }),
      });
    });
  }
}
