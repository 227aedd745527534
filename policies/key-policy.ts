import { type AccountRegion, accountRootArn } from "./arns.ts";
import type { LogProducer } from "./log-producer-statements.ts";
import {
  type Condition,
  oneOrMany,
  type PolicyDocument,
  type PolicyStatement,
  policyDocument,
} from "./policy-document.ts";

export interface KeyUsers {
  where: AccountRegion;
  /** Trails encrypting their log files with the key (CloudTrail guide's key policy statements). */
  trailArns: readonly string[];
  /** Buckets whose event notifications go to encrypted queues or topics, with their owning accounts. */
  notifyingBuckets: readonly { bucketArn: string; bucketAccount: string }[];
  /** Topics delivering to encrypted queues. */
  topicArns: readonly string[];
  /** EventBridge rules delivering to encrypted queues. */
  eventRuleArns: readonly string[];
  /** Log services writing objects into a bucket whose default encryption is this key. */
  producers: ReadonlySet<LogProducer>;
  /** CloudWatch Logs log groups encrypted with the key (the ECS worker's container logs). */
  logGroupArns?: readonly string[];
  /** ARN pattern of the CloudWatch alarms publishing to a topic encrypted with the key. */
  alarmArnPattern?: string;
}

/** A statement letting an AWS service use the key for `actions`, under `condition` when its requests carry one. */
function serviceUses(sid: string, service: string, actions: string | string[], condition?: Condition): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: service },
    Action: actions,
    Resource: "*",
    ...(condition === undefined ? {} : { Condition: condition }),
  };
}

const ENCRYPT = ["kms:Decrypt", "kms:GenerateDataKey"];

/**
 * Key policy of the pipeline's customer-managed key.
 *
 * The first statement is AWS's default: the account administers the key and delegates use to IAM, so the reader
 * role's `kms:Decrypt` (granted in its identity policy) works and the key can never become unmanageable. Each
 * service that encrypts with the key gets only `GenerateDataKey*` / `Decrypt` (plus `DescribeKey` for CloudTrail),
 * bound to our own sources by `aws:SourceArn` / `aws:SourceAccount` wherever its requests carry them.
 */
export function buildKeyPolicy(users: KeyUsers): PolicyDocument {
  const { where } = users;
  const statements: PolicyStatement[] = [
    {
      Sid: "AccountAdministersKey",
      Effect: "Allow",
      Principal: { AWS: accountRootArn(where.partition, where.account) },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  const push = (statement: PolicyStatement) => statements.push(statement);
  if (users.trailArns.length > 0) {
    const trails = { "aws:SourceArn": oneOrMany(users.trailArns) };
    push(
      serviceUses("CloudTrailEncryptLogs", "cloudtrail.amazonaws.com", "kms:GenerateDataKey*", {
        StringEquals: trails,
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${where.partition}:cloudtrail:*:${where.account}:trail/*`,
        },
      }),
    );
    push(serviceUses("CloudTrailDescribeKey", "cloudtrail.amazonaws.com", "kms:DescribeKey", { StringEquals: trails }));
  }
  if (users.notifyingBuckets.length > 0) {
    push(
      serviceUses("S3NotificationsToEncryptedDestinations", "s3.amazonaws.com", ENCRYPT, {
        ArnEquals: { "aws:SourceArn": oneOrMany(users.notifyingBuckets.map((b) => b.bucketArn)) },
        StringEquals: { "aws:SourceAccount": oneOrMany(users.notifyingBuckets.map((b) => b.bucketAccount)) },
      }),
    );
  }
  if (users.topicArns.length > 0) {
    push(
      serviceUses("SnsToEncryptedQueues", "sns.amazonaws.com", ENCRYPT, {
        ArnEquals: { "aws:SourceArn": oneOrMany(users.topicArns) },
      }),
    );
  }
  if (users.eventRuleArns.length > 0) {
    // No source condition: EventBridge's requests to KMS for an encrypted target carry no aws:SourceArn or
    // aws:SourceAccount (AWS's SNS guide says so of encrypted topics; its SQS key-management table grants
    // events.amazonaws.com these two actions unconditioned), so a condition on them would drop every event, the
    // dead-letter copy included. Which rules may deliver is the queues' policies' decision (aws:SourceArn there).
    push(serviceUses("EventBridgeToEncryptedQueues", "events.amazonaws.com", ENCRYPT));
  }
  const account = { "aws:SourceAccount": where.account };
  if (users.producers.has("vended-logs")) {
    push(
      serviceUses("VendedLogsEncryptObjects", "delivery.logs.amazonaws.com", ["kms:Decrypt", "kms:GenerateDataKey*"], {
        StringEquals: account,
        ArnLike: { "aws:SourceArn": `arn:${where.partition}:logs:*:${where.account}:*` },
      }),
    );
  }
  if (users.producers.has("config")) {
    push(serviceUses("ConfigEncryptObjects", "config.amazonaws.com", ENCRYPT, { StringEquals: account }));
  }
  if (users.producers.has("guardduty")) {
    push(
      serviceUses("GuardDutyEncryptFindings", "guardduty.amazonaws.com", "kms:GenerateDataKey", {
        StringEquals: account,
        // Every Region's detector exports with this key.
        ArnLike: { "aws:SourceArn": `arn:${where.partition}:guardduty:*:${where.account}:detector/*` },
      }),
    );
  }
  if (users.logGroupArns !== undefined && users.logGroupArns.length > 0) {
    // CloudWatch Logs encrypts with the key as its regional service principal, one log group per context.
    push(
      serviceUses(
        "CloudWatchLogsEncryptLogGroups",
        `logs.${where.region}.amazonaws.com`,
        ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": oneOrMany(users.logGroupArns) } },
      ),
    );
  }
  if (users.alarmArnPattern !== undefined) {
    // CloudWatch cannot publish to an encrypted topic without the key; its requests carry the alarm as source.
    push(
      serviceUses(
        "CloudWatchAlarmsToEncryptedTopic",
        "cloudwatch.amazonaws.com",
        ["kms:Decrypt", "kms:GenerateDataKey*"],
        {
          ArnLike: { "aws:SourceArn": users.alarmArnPattern },
          StringEquals: account,
        },
      ),
    );
  }
  return policyDocument("key policy", "resource", statements);
}
