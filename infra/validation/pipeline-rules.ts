import { externalIdProblem } from "../../policies/external-id.ts";
import type { ConfigIssue, PipelineConfig, RawPipelineConfig } from "../config.ts";
import { S3_TECHNOLOGIES } from "../technologies.ts";
import { bucketNameProblems } from "./bucket-name.ts";
import { describeOverlap, findFilterOverlaps, type NotificationRoute } from "./notification-filters.ts";
import { workerRuleViolations } from "./worker-rules.ts";

/** WAF delivers logs to S3 only into buckets named with this prefix (AWS WAF developer guide). */
export const WAF_BUCKET_PREFIX = "aws-waf-logs-";

type Rule = (config: PipelineConfig, raw: RawPipelineConfig) => ConfigIssue[];

const bucketPresence: Rule = (config) =>
  config.bucket === undefined && (config.technologies.length > 0 || config.trail?.create)
    ? [{ path: "bucket", message: "required: the technologies (and the trail) write their files into it" }]
    : [];

const bucketNames: Rule = (config) => [
  ...(config.bucket === undefined ? [] : bucketNameProblems(config.bucket.name)).map((message) => ({
    path: "bucket.name",
    message: `bucket name ${message}`,
  })),
  ...config.sns.externalBuckets.flatMap((b, i) =>
    bucketNameProblems(b.bucket).map((message) => ({
      path: `sns.external_buckets[${i}].bucket`,
      message: `bucket name ${message}`,
    })),
  ),
];

const wafBuckets: Rule = (config) => {
  const wafTechnologies = new Set(config.technologies.filter((t) => t.type === "waf").map((t) => t.name));
  const issues: ConfigIssue[] = [];
  if (wafTechnologies.size > 0 && config.bucket !== undefined && !config.bucket.name.startsWith(WAF_BUCKET_PREFIX)) {
    issues.push({
      path: "bucket.name",
      message:
        `WAF writes logs only to buckets whose name starts with "${WAF_BUCKET_PREFIX}", but ${[...wafTechnologies].map((t) => `technologies.${t}`).join(", ")} ` +
        `reads bucket "${config.bucket.name}"; rename the bucket or move WAF logs to a separate pipeline`,
    });
  }
  config.sns.externalBuckets.forEach((b, i) => {
    if (wafTechnologies.has(b.technology) && !b.bucket.startsWith(WAF_BUCKET_PREFIX)) {
      issues.push({
        path: `sns.external_buckets[${i}].bucket`,
        message: `WAF writes logs only to buckets whose name starts with "${WAF_BUCKET_PREFIX}"; "${b.bucket}" cannot hold WAF logs`,
      });
    }
  });
  return issues;
};

const notificationOverlaps: Rule = (config) => {
  const routes: NotificationRoute[] = config.technologies.flatMap((t) =>
    t.filters.map((f, i) => ({
      origin: i === 0 ? t.origin : `${t.origin} (CloudTrail Insights route)`,
      events: f.events,
      prefix: f.prefix,
      suffix: f.suffix,
    })),
  );
  // Carried-over destinations share the one configuration: S3 refuses overlaps with them just the same.
  (config.bucket?.carryOverNotifications ?? []).forEach((n, i) => {
    routes.push({
      origin: `bucket.carry_over_notifications[${i}]`,
      events: n.events,
      prefix: n.prefix,
      suffix: n.suffix,
    });
  });
  return findFilterOverlaps(routes).map((overlap) => ({
    path: overlap.first.origin.split(" ")[0],
    message: describeOverlap(overlap),
  }));
};

const customNeedsPrefix: Rule = (_config, raw) =>
  Object.entries(raw.technologies)
    .filter(([, t]) => S3_TECHNOLOGIES[t.type].defaultPrefix === undefined && t.prefix === undefined)
    .map(([name, t]) => ({
      path: `technologies.${name}.prefix`,
      message: `type ${t.type} has no default location; give the key prefix its files are written under`,
    }));

const uniqueNames: Rule = (config) => {
  const issues: ConfigIssue[] = [];
  const technologyNames = new Set(config.technologies.map((t) => t.name));
  for (const rule of config.eventRules) {
    if (technologyNames.has(rule.name)) {
      issues.push({
        path: `technologies.${rule.name}`,
        message: `the name "${rule.name}" is taken by the ${rule.origin} queue; choose another technology name`,
      });
    }
  }
  const owners = new Map<string, string>();
  const claim = (queue: string, origin: string) => {
    const owner = owners.get(queue);
    if (owner !== undefined) issues.push({ path: origin, message: `queue name "${queue}" is also used by ${owner}` });
    else owners.set(queue, origin);
  };
  for (const t of [...config.technologies, ...config.eventRules]) {
    claim(t.queueName, t.origin);
    claim(`${t.queueName}-dlq`, `${t.origin} (dead-letter queue)`);
  }
  if (config.technologies.length + config.eventRules.length === 0) {
    issues.push({ path: "technologies", message: "nothing to collect: add a technology or an EventBridge rule" });
  }
  return issues;
};

const queueRetention: Rule = (config) =>
  config.queues.deadLetterRetentionSeconds > config.queues.messageRetentionSeconds
    ? []
    : [
        {
          path: "queues.dead_letter_retention_seconds",
          message:
            `must be longer than queues.message_retention_seconds (${config.queues.messageRetentionSeconds}): ` +
            "SQS keeps a message's original timestamp when it moves to the dead-letter queue, so a shorter retention there drops it",
        },
      ];

const encryption: Rule = (config, raw) => {
  const issues: ConfigIssue[] = [];
  const kms = config.encryption.mode === "kms";
  if (!kms && raw.encryption.kms_key_arn !== undefined) {
    issues.push({ path: "encryption.kms_key_arn", message: "a key is used only with encryption.mode: kms" });
  }
  if (!kms && raw.encryption.bucket === "kms") {
    issues.push({ path: "encryption.bucket", message: "bucket KMS encryption needs encryption.mode: kms" });
  }
  if (config.trail?.create && config.trail.kms && !kms) {
    issues.push({
      path: "trail.kms",
      message: "encrypting the trail with KMS needs encryption.mode: kms (the pipeline's key)",
    });
  }
  const bucket = config.bucket;
  const bucketUsesKms =
    bucket !== undefined &&
    ((bucket.create && config.encryption.mode === "kms" && config.encryption.bucketEncryption === "kms") ||
      (!bucket.create && bucket.existingKmsKeyArn !== undefined));
  for (const t of config.technologies) {
    const profile = S3_TECHNOLOGIES[t.type];
    if (profile.requiresSseS3 && bucketUsesKms) {
      issues.push({
        path: t.origin,
        message:
          `${t.type} logs can be written only to a bucket with SSE-S3 default encryption, and the bucket uses KMS` +
          (bucket?.create ? "; set encryption.bucket: sse-s3 (queues keep the KMS key)" : ""),
      });
    }
    if (profile.requiresKmsKey && !kms) {
      issues.push({
        path: t.origin,
        message: `${t.type} exports are encrypted with a KMS key the reader must decrypt; set encryption.mode: kms`,
      });
    }
  }
  if (bucket?.create && bucket.existingKmsKeyArn !== undefined) {
    issues.push({
      path: "bucket.kms_key_arn",
      message: "describes an existing bucket's key; a created bucket is encrypted as encryption says",
    });
  }
  return issues;
};

const trail: Rule = (config) => {
  const t = config.trail;
  if (t === undefined || !t.create) return [];
  const issues: ConfigIssue[] = [];
  if (config.bucket !== undefined && !config.bucket.managePolicy) {
    issues.push({
      path: "trail.create",
      message:
        "CloudTrail writes only to a bucket whose policy admits it; set bucket.manage_policy: true (the pipeline's policy " +
        "replaces the bucket's current one) or create the trail yourself",
    });
  }
  if (t.insights.length > 0 && !t.managementEvents) {
    issues.push({
      path: "trail.insights",
      message: "Insights are computed from management events; keep trail.management_events: true",
    });
  }
  if (!t.managementEvents && t.dataEvents.length === 0) {
    issues.push({
      path: "trail",
      message: "the trail would record nothing: enable management_events or add data_events",
    });
  }
  const ownObjects = `arn:${config.partition}:s3:::${config.bucket?.name}/`;
  t.dataEvents.forEach((d, i) => {
    d.arnPrefixes?.forEach((arn, j) => {
      if (d.resourceType === "AWS::S3::Object" && (arn.startsWith(ownObjects) || ownObjects.startsWith(arn))) {
        issues.push({
          path: `trail.data_events[${i}].arn_prefixes[${j}]`,
          message: "recording object events of the log bucket itself would log every log delivery, without end",
        });
      }
    });
  });
  return issues;
};

const fanOut: Rule = (config) => {
  const issues: ConfigIssue[] = [];
  const s3Technologies = new Set(config.technologies.map((t) => t.name));
  const check = (kind: string, items: { technology: string }[]) => {
    items.forEach((item, i) => {
      if (!config.sns.enabled) {
        issues.push({ path: `sns.${kind}[${i}]`, message: "needs sns.enabled: true" });
      }
      if (!s3Technologies.has(item.technology)) {
        issues.push({
          path: `sns.${kind}[${i}].technology`,
          message: `"${item.technology}" is not one of the technologies (${[...s3Technologies].join(", ") || "none"})`,
        });
      }
    });
  };
  check("subscribers", config.sns.subscribers);
  config.sns.subscribers.forEach((subscriber, i) => {
    const problem = subscriberProblem(config, subscriber);
    if (problem !== undefined) issues.push({ path: `sns.subscribers[${i}].${problem.key}`, message: problem.message });
  });
  check("external_buckets", config.sns.externalBuckets);
  return issues;
};

const SQS_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,80}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/;

/** Why an extra subscriber cannot be set up completely by this stack, and which of its keys says so. */
function subscriberProblem(
  config: PipelineConfig,
  subscriber: PipelineConfig["sns"]["subscribers"][number],
): { key: "protocol" | "endpoint"; message: string } | undefined {
  switch (subscriber.protocol) {
    case "https":
      return {
        key: "protocol",
        message:
          "https subscribers are refused: SNS keeps the subscription pending until the endpoint confirms it, and " +
          "Terraform cannot delete a pending subscription (destroy only forgets it); subscribe the endpoint " +
          "yourself, or deliver through a queue or a Lambda function of this account",
      };
    case "sqs": {
      const match = SQS_ARN.exec(subscriber.endpoint);
      if (match === null)
        return { key: "endpoint", message: "must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)" };
      if (match[2] !== config.account) {
        return {
          key: "endpoint",
          message:
            `the queue is in account ${match[2]}: the AWS provider creates a subscription to another account's queue ` +
            "only from the queue's account (with its credentials), so this stack cannot; subscribe it from that " +
            "account, with the topic admitted in the queue's policy",
        };
      }
      return undefined;
    }
    case "lambda": {
      const match = LAMBDA_ARN.exec(subscriber.endpoint);
      if (match === null) {
        return {
          key: "endpoint",
          message: "must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])",
        };
      }
      if (match[2] !== config.account || match[1] !== config.region) {
        return {
          key: "endpoint",
          message:
            `the function must be in the pipeline's account and Region (${config.account}, ${config.region}): SNS ` +
            "invokes it only if the function's policy admits the topic, and the stack adds that permission " +
            "(aws_lambda_permission) with its own provider",
        };
      }
      return undefined;
    }
  }
}

const alarmRules: Rule = (config) => {
  const { alarms, queues } = config;
  const issues: ConfigIssue[] = [];
  if (alarms.emailSubscriptions.length > 0 && !alarms.createTopic) {
    issues.push({
      path: "alarms.email_subscriptions",
      message: "needs alarms.create_topic: true (the addresses are subscribed to the topic the stack creates)",
    });
  }
  if (!alarms.enabled && (alarms.createTopic || alarms.topicArns.length > 0)) {
    issues.push({ path: "alarms.enabled", message: "is false, so the alarm topic(s) would never be notified" });
  }
  alarms.topicArns.forEach((arn, i) => {
    const region = arn.split(":")[3];
    if (region !== config.region) {
      issues.push({
        path: `alarms.topic_arns[${i}]`,
        message: `must be in the pipeline's Region (${config.region}): CloudWatch alarms notify topics of their own Region only`,
      });
    }
  });
  if (alarms.oldestMessageAgeSeconds <= queues.visibilityTimeoutSeconds) {
    issues.push({
      path: "alarms.oldest_message_age_seconds",
      message:
        `must exceed queues.visibility_timeout_seconds (${queues.visibilityTimeoutSeconds}): a message being worked ` +
        "on keeps ageing until it is deleted, so ordinary work would raise the alarm",
    });
  }
  if (alarms.oldestMessageAgeSeconds >= queues.messageRetentionSeconds) {
    issues.push({
      path: "alarms.oldest_message_age_seconds",
      message:
        `must be below queues.message_retention_seconds (${queues.messageRetentionSeconds}): messages expire ` +
        "before they reach that age, so the alarm would never fire",
    });
  }
  return issues;
};

const existingBucket: Rule = (config, raw) => {
  const bucket = config.bucket;
  const issues: ConfigIssue[] = [];
  if (bucket === undefined) return issues;
  if (bucket.create && raw.bucket?.manage_policy === false) {
    issues.push({
      path: "bucket.manage_policy",
      message:
        "a bucket the stack creates always gets the pipeline's policy (TLS-only access, the log services' writes); " +
        "false applies only to an existing bucket (create: false)",
    });
  }
  if (bucket.create) {
    for (const key of ["replace_notifications", "carry_over_notifications", "carry_over_eventbridge"] as const) {
      const value = raw.bucket?.[key];
      if (value === true || (Array.isArray(value) && value.length > 0)) {
        issues.push({ path: `bucket.${key}`, message: "applies only to an existing bucket (create: false)" });
      }
    }
    return issues;
  }
  if (config.technologies.length > 0 && !bucket.replaceNotifications) {
    issues.push({
      path: "bucket.replace_notifications",
      message:
        `bucket ${bucket.name} exists: the stack's aws_s3_bucket_notification replaces its whole notification configuration ` +
        "(Lambda triggers, other queues and topics, EventBridge delivery) on apply and deletes it on destroy. Read the current one " +
        `(aws s3api get-bucket-notification-configuration --bucket ${bucket.name}), list each destination under ` +
        "bucket.carry_over_notifications (and carry_over_eventbridge: true if EventBridge is on), then set replace_notifications: true",
    });
  }
  (raw.bucket?.carry_over_notifications ?? []).forEach((n, i) => {
    const given = [n.queue_arn, n.topic_arn, n.lambda_function_arn].filter((arn) => arn !== undefined);
    if (given.length !== 1) {
      issues.push({
        path: `bucket.carry_over_notifications[${i}]`,
        message: "needs exactly one of queue_arn, topic_arn or lambda_function_arn",
      });
    }
  });
  return issues;
};

const trailEncryption: Rule = (config, raw) => {
  const t = config.trail;
  if (t === undefined || !t.create || config.bucket === undefined) return [];
  const bucketUsesKey =
    config.bucket.create && config.encryption.mode === "kms" && config.encryption.bucketEncryption === "kms";
  if (bucketUsesKey && raw.trail?.kms === false) {
    return [
      {
        path: "trail.kms",
        message:
          "the bucket's default encryption is the pipeline key, and the key admits CloudTrail only when the trail " +
          "encrypts with it itself (S3's default encryption on CloudTrail's behalf is refused): remove kms: false, " +
          "or set encryption.bucket: sse-s3",
      },
    ];
  }
  return [];
};

const accessRules: Rule = (config) => {
  if (config.access.mode !== "devo" || config.access.externalId === undefined) return [];
  // The message never repeats the ExternalId itself: it is a shared secret between Devo and the customer.
  const problem = externalIdProblem(config.access.externalId);
  return problem === undefined ? [] : [{ path: "access.external_id", message: problem }];
};

const RULES: readonly Rule[] = [
  bucketPresence,
  bucketNames,
  wafBuckets,
  notificationOverlaps,
  customNeedsPrefix,
  uniqueNames,
  queueRetention,
  encryption,
  trail,
  trailEncryption,
  existingBucket,
  fanOut,
  alarmRules,
  accessRules,
  workerRuleViolations,
];

/** Every cross-field problem of a schema-valid configuration; empty when it can be synthesized. */
export function pipelineRuleViolations(config: PipelineConfig, raw: RawPipelineConfig): ConfigIssue[] {
  return RULES.flatMap((rule) => rule(config, raw));
}
