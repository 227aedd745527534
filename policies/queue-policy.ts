import { type PolicyDocument, type PolicyStatement, policyDocument } from "./policy-document.ts";

/**
 * Who may put messages on a collector queue. Each sender is pinned to one source resource, so a confused deputy
 * (someone else's bucket, topic or rule that happens to know the queue ARN) is refused.
 */
export type QueueSender =
  /** S3 event notifications from one bucket, owned by `bucketAccount`. */
  | { kind: "s3-bucket"; bucketArn: string; bucketAccount: string }
  /** SNS fan-out from one topic. */
  | { kind: "sns-topic"; topicArn: string }
  /** An EventBridge rule targeting the queue. */
  | { kind: "eventbridge-rule"; ruleArn: string };

function senderStatement(queueArn: string, sender: QueueSender, index: number): PolicyStatement {
  switch (sender.kind) {
    case "s3-bucket":
      return {
        Sid: `AllowS3Notifications${index}`,
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: {
          ArnEquals: { "aws:SourceArn": sender.bucketArn },
          StringEquals: { "aws:SourceAccount": sender.bucketAccount },
        },
      };
    case "sns-topic":
      return {
        Sid: `AllowSnsFanOut${index}`,
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": sender.topicArn } },
      };
    case "eventbridge-rule":
      return {
        Sid: `AllowEventBridgeRule${index}`,
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": sender.ruleArn } },
      };
  }
}

/**
 * The single resource policy of a collector queue. SQS keeps one policy per queue, so every sender must be in
 * this one document: two `aws_sqs_queue_policy` resources on one queue overwrite each other on every apply.
 */
export function buildQueuePolicy(queueArn: string, senders: readonly QueueSender[]): PolicyDocument {
  return policyDocument(
    `queue policy of ${queueArn}`,
    "resource",
    senders.map((sender, index) => senderStatement(queueArn, sender, index)),
  );
}

/** Who may put undeliverable messages on a collector queue's dead-letter queue: the queue's own topic and rule. */
export type DeadLetterSender = Extract<QueueSender, { kind: "sns-topic" | "eventbridge-rule" }>;

/**
 * The resource policy of a collector queue's dead-letter queue, when SNS or EventBridge deliver into the queue:
 * an SNS subscription's redrive policy and an EventBridge target's dead-letter config send what they could not
 * deliver here, as the service itself, pinned to the one topic or rule (the queue's redrive from the source queue
 * needs no policy). The messages are the ones meant for the collector queue, so redriving them there is the fix.
 */
export function buildDeadLetterQueuePolicy(
  deadLetterQueueArn: string,
  senders: readonly DeadLetterSender[],
): PolicyDocument {
  return policyDocument(
    `dead-letter queue policy of ${deadLetterQueueArn}`,
    "resource",
    senders.map((sender, index) => {
      const statement = senderStatement(deadLetterQueueArn, sender, index);
      return {
        ...statement,
        Sid: `${sender.kind === "sns-topic" ? "AllowSnsRedrive" : "AllowEventBridgeDlq"}${index}`,
      };
    }),
  );
}
