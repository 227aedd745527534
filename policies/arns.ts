/**
 * ARNs built as strings from names we already know at synth time. Policies reference resources this way rather
 * than through resource attributes, which avoids dependency cycles (a bucket policy naming the trail that needs
 * the bucket policy) and keeps the synthesized documents readable.
 */

export type Partition = "aws" | "aws-cn" | "aws-us-gov";

export function partitionOf(region: string): Partition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Where a resource lives; every regional ARN below needs all three. */
export interface AccountRegion {
  partition: Partition;
  account: string;
  region: string;
}

export function bucketArn(partition: Partition, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/**
 * Objects under a key prefix: `arn:aws:s3:::bucket/prefix*`. An empty prefix is the whole bucket, which is
 * still an object ARN (`bucket/*`), never the bucket itself.
 */
export function objectsArn(partition: Partition, bucket: string, keyPrefix: string): string {
  return `${bucketArn(partition, bucket)}/${keyPrefix}*`;
}

export function queueArn(where: AccountRegion, queueName: string): string {
  return `arn:${where.partition}:sqs:${where.region}:${where.account}:${queueName}`;
}

export function topicArn(where: AccountRegion, topicName: string): string {
  return `arn:${where.partition}:sns:${where.region}:${where.account}:${topicName}`;
}

/** A rule on the account's default event bus. */
export function eventRuleArn(where: AccountRegion, ruleName: string): string {
  return `arn:${where.partition}:events:${where.region}:${where.account}:rule/${ruleName}`;
}

export function trailArn(where: AccountRegion, trailName: string): string {
  return `arn:${where.partition}:cloudtrail:${where.region}:${where.account}:trail/${trailName}`;
}

export function roleArn(partition: Partition, account: string, roleName: string): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

export function accountRootArn(partition: Partition, account: string): string {
  return `arn:${partition}:iam::${account}:root`;
}

/** CloudWatch alarms whose names start with `namePrefix`: `arn:aws:cloudwatch:<region>:<account>:alarm:<prefix>*`. */
export function alarmArnPattern(where: AccountRegion, namePrefix: string): string {
  return `arn:${where.partition}:cloudwatch:${where.region}:${where.account}:alarm:${namePrefix}*`;
}
