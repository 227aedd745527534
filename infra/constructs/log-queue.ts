import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue/index.js";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy/index.js";
import { Construct } from "constructs";
import { type AccountRegion, queueArn } from "../../policies/arns.ts";
import {
  buildDeadLetterQueuePolicy,
  buildQueuePolicy,
  type DeadLetterSender,
  type QueueSender,
} from "../../policies/queue-policy.ts";
import { terraformJson } from "../terraform-json.ts";

export type QueueEncryption = { kind: "sse-sqs" } | { kind: "kms"; keyArn: string };

export interface LogQueueProps {
  where: AccountRegion;
  name: string;
  /** Long enough for the collector to download and send the largest object before the message reappears. */
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  /** Must exceed `messageRetentionSeconds`: a message keeps its original timestamp in the dead-letter queue. */
  deadLetterRetentionSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: number;
  /** Long polling: a receive waits up to this long for a message (0-20; 0 is short polling). */
  receiveWaitTimeSeconds: number;
  encryption: QueueEncryption;
  /** Everyone who may send: all of them share the queue's one policy document. */
  senders: readonly QueueSender[];
  /**
   * The topic or rule that delivers into the queue, admitted to its dead-letter queue too: what SNS or EventBridge
   * cannot deliver (after their retries) lands there instead of being dropped. Empty for S3 notifications.
   */
  deadLetterSenders?: readonly DeadLetterSender[];
}

/**
 * A standard collector queue with encryption explicitly on, its dead-letter queue (same encryption, longer
 * retention, accepting redrives only from this queue), and the queue's single resource policy.
 */
export class LogQueue extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly policy: SqsQueuePolicy;
  /** The dead-letter queue's policy, when a topic or rule may send into it. */
  readonly deadLetterPolicy?: SqsQueuePolicy;
  /** Known at synth time (built from the name), for policies that must not wait for the queue. */
  readonly queueArn: string;
  readonly deadLetterQueueArn: string;
  readonly deadLetterQueueName: string;
  readonly queueName: string;

  constructor(scope: Construct, id: string, props: LogQueueProps) {
    super(scope, id);
    if (props.deadLetterRetentionSeconds <= props.messageRetentionSeconds) {
      throw new Error(
        `queue ${props.name}: dead-letter retention (${props.deadLetterRetentionSeconds}s) must exceed message retention (${props.messageRetentionSeconds}s)`,
      );
    }
    const encryption =
      props.encryption.kind === "kms"
        ? { kmsMasterKeyId: props.encryption.keyArn, kmsDataKeyReusePeriodSeconds: 300 }
        : { sqsManagedSseEnabled: true };
    this.queueArn = queueArn(props.where, props.name);
    this.queueName = props.name;
    this.deadLetterQueueName = `${props.name}-dlq`;
    this.deadLetterQueueArn = queueArn(props.where, this.deadLetterQueueName);

    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      name: this.deadLetterQueueName,
      messageRetentionSeconds: props.deadLetterRetentionSeconds,
      receiveWaitTimeSeconds: props.receiveWaitTimeSeconds,
      ...encryption,
      redriveAllowPolicy: terraformJson({ redrivePermission: "byQueue", sourceQueueArns: [this.queueArn] }),
    });
    this.queue = new SqsQueue(this, "queue", {
      name: props.name,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
      messageRetentionSeconds: props.messageRetentionSeconds,
      receiveWaitTimeSeconds: props.receiveWaitTimeSeconds,
      ...encryption,
      redrivePolicy: terraformJson({
        deadLetterTargetArn: this.deadLetterQueue.arn,
        maxReceiveCount: props.maxReceiveCount,
      }),
    });
    this.policy = new SqsQueuePolicy(this, "policy", {
      queueUrl: this.queue.url,
      policy: terraformJson(buildQueuePolicy(this.queueArn, props.senders)),
    });
    const deadLetterSenders = props.deadLetterSenders ?? [];
    if (deadLetterSenders.length > 0) {
      this.deadLetterPolicy = new SqsQueuePolicy(this, "dead-letter-policy", {
        queueUrl: this.deadLetterQueue.url,
        policy: terraformJson(buildDeadLetterQueuePolicy(this.deadLetterQueueArn, deadLetterSenders)),
      });
    }
  }
}
