import { type PolicyDocument, policyDocument } from "./policy-document.ts";

/** A bucket whose event notifications may publish to the topic; it may live in another account. */
export interface TopicPublisherBucket {
  bucketArn: string;
  bucketAccount: string;
}

/**
 * Resource policy of a fan-out topic: S3 may publish only on behalf of the named buckets, each checked against
 * its owning account (`aws:SourceAccount`) so a bucket re-created under the same name elsewhere is refused.
 * The owner account keeps its access through IAM, so nothing else is granted here.
 */
export function buildTopicPolicy(topicArn: string, publishers: readonly TopicPublisherBucket[]): PolicyDocument {
  return policyDocument(
    `topic policy of ${topicArn}`,
    "resource",
    publishers.map((publisher, index) => ({
      Sid: `AllowS3Publish${index}`,
      Effect: "Allow" as const,
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: {
        ArnEquals: { "aws:SourceArn": publisher.bucketArn },
        StringEquals: { "aws:SourceAccount": publisher.bucketAccount },
      },
    })),
  );
}

/**
 * Resource policy of the pipeline's alarm topic: CloudWatch publishes only for alarms of this account and Region
 * whose names start with the pipeline's prefix (every alarm the stack creates), so other alarms that learn the
 * topic's ARN cannot write to the people subscribed to it.
 */
export function buildAlarmTopicPolicy(topicArn: string, alarmArnPattern: string, account: string): PolicyDocument {
  return policyDocument(`alarm topic policy of ${topicArn}`, "resource", [
    {
      Sid: "AllowPipelineAlarms",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { ArnLike: { "aws:SourceArn": alarmArnPattern }, StringEquals: { "aws:SourceAccount": account } },
    },
  ]);
}
