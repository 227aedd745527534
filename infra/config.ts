import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { type Partition, partitionOf } from "../policies/arns.ts";
import { nearestKey, schemaKeys } from "../worker/config/suggest-key.ts";
import {
  CLOUDTRAIL_INSIGHTS_PREFIX,
  EVENTBRIDGE_SERVICES,
  S3_TECHNOLOGIES,
  S3_TECHNOLOGY_TYPES,
  type S3TechnologyType,
} from "./technologies.ts";
import { pipelineRuleViolations } from "./validation/pipeline-rules.ts";
import { type EcsWorkerConfig, normalizeWorker, workerSchema } from "./worker-config.ts";

/**
 * `pipeline.config.yaml`: what a platform team deploys. The file is parsed in two passes: this schema (types,
 * ranges, unknown keys, defaults), then the cross-field rules of `validation/pipeline-rules.ts` (overlapping
 * notification filters, bucket names, WAF bucket prefix, encryption constraints). Both report the YAML path of
 * every problem at once, before anything is synthesized.
 */

/** Devo's role that assumes customer roles (Devo's AWS collector documentation). */
export const DEVO_TRUSTED_ROLE_ARN = "arn:aws:iam::837131528613:role/devo-xaccount-cs-role";

const DEFAULT_EVENTS = ["s3:ObjectCreated:*"];

/** The account id AWS's documentation uses in examples, and this project's example configuration. */
export const DOCUMENTATION_ACCOUNT = "123456789012";

const ACCOUNT = z
  .string({
    error: (issue) =>
      typeof issue.input === "number"
        ? 'write the account id in quotes ("012345678901"): YAML reads a bare number and drops leading zeros'
        : undefined,
  })
  .regex(/^\d{12}$/, "must be a 12-digit AWS account id");
/** The pipeline's own account: the documentation placeholder is refused, it is never anyone's account. */
const OWN_ACCOUNT = ACCOUNT.refine(
  (v) => v !== DOCUMENTATION_ACCOUNT,
  `${DOCUMENTATION_ACCOUNT} is the example account of AWS's documentation and of pipeline.config.example.yaml: put the id of the account you deploy into`,
);
/** Commercial, China and GovCloud Regions as of 2025; a name outside this list is a typo until proven otherwise. */
export const AWS_REGIONS = [
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "cn-north-1",
  "cn-northwest-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-gov-east-1",
  "us-gov-west-1",
  "us-west-1",
  "us-west-2",
] as const;
const REGION = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS Region such as eu-west-1")
  .refine((v) => (AWS_REGIONS as readonly string[]).includes(v), {
    message: "is not an AWS Region this stack knows (see AWS_REGIONS in infra/config.ts)",
  });
const NAME_PREFIX = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,29}$/, "must be 2-30 lowercase letters, digits or hyphens, starting with a letter");
/** Technology names become output keys and parts of resource names. */
const TECHNOLOGY_NAME = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, "must be 1-40 lowercase letters, digits or underscores, starting with a letter");
/** The dead-letter queue adds `-dlq`, so 76 characters are left of SQS's 80. */
const QUEUE_NAME = z.string().regex(/^[A-Za-z0-9_-]{1,76}$/, "must be 1-76 letters, digits, hyphens or underscores");
const ROLE_NAME = z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be 1-64 characters of letters, digits and _+=,.@-");
const ROLE_ARN = z
  .string()
  .regex(/^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/, "must be an IAM role ARN");
const KMS_KEY_ARN = z
  .string()
  .regex(/^arn:aws(?:-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, "must be a KMS key ARN (not an alias)");
/** Key prefixes and suffixes end up in policies and HCL: no quotes, backslashes, `${` / `%{` or control codes. */
const KEY_PART = z
  .string()
  .max(1024)
  .refine(
    (v) => !/["\\\u0000-\u001f\u007f]|\$\{|%\{/.test(v),
    "must not contain quotes, backslashes, ${, %{ or control characters",
  )
  .refine((v) => !v.startsWith("/"), "must not start with '/' (S3 keys have no leading slash)");
const EVENT_TYPE = z
  .string()
  .regex(/^s3:[A-Za-z]+:(\*|[A-Za-z]+)$/, "must be an S3 event type such as s3:ObjectCreated:*");
const DAYS = z.number().int().min(1).max(36500);
/**
 * Free text copied into the synthesized configuration. cdktf's HCL renderer does not escape backslashes, so a
 * value holding one would make `cdk.tf` unparsable; quotes and control characters are refused with them.
 */
const PLAIN_TEXT = z
  .string()
  .regex(/^[^"\\\u0000-\u001f\u007f]*$/, "must not contain quotes, backslashes or control characters");

const technologySchema = z.strictObject({
  type: z.enum(S3_TECHNOLOGY_TYPES),
  prefix: KEY_PART.optional(),
  suffix: KEY_PART.optional(),
  queue: QUEUE_NAME.optional(),
  events: z.array(EVENT_TYPE).min(1).optional(),
  /** Overrides Devo's service name for this queue (e.g. `non-cloudwatch-logs` for CloudFront). */
  service: z
    .string()
    .regex(/^[a-z0-9_-]{1,64}$/)
    .optional(),
});

const rawConfigSchema = z.strictObject({
  stack_name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, "must be letters, digits or hyphens, starting with a letter")
    .default("devo-aws-logs"),
  name_prefix: NAME_PREFIX.default("devo-logs"),
  account: OWN_ACCOUNT,
  region: REGION,
  tags: z.record(z.string().regex(/^[\w .:/=+@-]{1,128}$/), PLAIN_TEXT.max(256)).default({}),
  /** Required when a technology or the trail writes into it; an EventBridge-only pipeline needs none. */
  bucket: z
    .strictObject({
      name: z.string(),
      create: z.boolean().default(true),
      /** Defaults to `create`: an existing bucket's policy is left alone unless asked (ours would replace it). */
      manage_policy: z.boolean().optional(),
      force_destroy: z.boolean().default(false),
      /** The key an existing bucket encrypts with, so the reader may decrypt its objects. */
      kms_key_arn: KMS_KEY_ARN.optional(),
      /**
       * An existing bucket's notification configuration is replaced as a whole by the stack's: required `true`
       * (with `carry_over_notifications`) before the stack writes one to a bucket it does not create.
       */
      replace_notifications: z.boolean().default(false),
      /** The existing bucket's current destinations, written into the same configuration as the pipeline's. */
      carry_over_notifications: z
        .array(
          z.strictObject({
            id: z
              .string()
              .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, dots, hyphens or underscores"),
            queue_arn: z
              .string()
              .regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/)
              .optional(),
            topic_arn: z
              .string()
              .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/)
              .optional(),
            lambda_function_arn: z
              .string()
              .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/)
              .optional(),
            events: z.array(EVENT_TYPE).min(1),
            prefix: KEY_PART.default(""),
            suffix: KEY_PART.default(""),
          }),
        )
        .default([]),
      /** Keep S3's delivery to EventBridge on (it is part of the same configuration). */
      carry_over_eventbridge: z.boolean().default(false),
      lifecycle: z
        .strictObject({
          expire_days: DAYS.default(365),
          noncurrent_expire_days: DAYS.default(30),
          abort_incomplete_multipart_days: DAYS.default(7),
        })
        .prefault({}),
    })
    .optional(),
  trail: z
    .strictObject({
      create: z.boolean().default(true),
      name: z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/,
          "must be 3-128 letters, digits, dots, underscores or hyphens",
        )
        .optional(),
      key_prefix: KEY_PART.default(""),
      management_events: z.boolean().default(true),
      /** CloudTrail can leave out only these two sources of management events. */
      exclude_management_event_sources: z
        .array(
          z.enum(["kms.amazonaws.com", "rdsdata.amazonaws.com"], {
            error: "CloudTrail can exclude only kms.amazonaws.com and rdsdata.amazonaws.com from management events",
          }),
        )
        .default([]),
      data_events: z
        .array(
          z.strictObject({
            resource_type: z
              .string()
              .regex(/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/, "must be a type such as AWS::S3::Object"),
            arn_prefixes: z.array(KEY_PART.min(1)).min(1).optional(),
          }),
        )
        .default([]),
      insights: z.array(z.enum(["ApiCallRateInsight", "ApiErrorRateInsight"])).default([]),
      /** Default: whenever the bucket's default encryption is the pipeline key (then `false` is refused). */
      kms: z.boolean().optional(),
      /** An organization trail (created in the management account): files under `AWSLogs/<org id>/<account>/`. */
      organization_id: z
        .string()
        .regex(/^o-[a-z0-9]{10,32}$/, "must be an organization id such as o-a1b2c3d4e5")
        .optional(),
    })
    .optional(),
  technologies: z.record(TECHNOLOGY_NAME, technologySchema).default({}),
  sns: z
    .strictObject({
      enabled: z.boolean().default(false),
      raw_message_delivery: z.boolean().default(true),
      subscribers: z
        .array(
          z.strictObject({
            technology: TECHNOLOGY_NAME,
            protocol: z.enum(["sqs", "lambda", "https"]),
            endpoint: PLAIN_TEXT.min(1).max(2048),
            raw_message_delivery: z.boolean().optional(),
          }),
        )
        .default([]),
      external_buckets: z
        .array(
          z.strictObject({
            technology: TECHNOLOGY_NAME,
            bucket: z.string(),
            account: ACCOUNT,
            prefix: KEY_PART.default(""),
          }),
        )
        .default([]),
    })
    .prefault({}),
  eventbridge: z
    .strictObject({
      service_events: z
        .strictObject({
          enabled: z.boolean().default(true),
          sources: z.array(z.string().regex(/^[a-z0-9.-]+$/)).min(1),
          detail_types: z
            .array(
              z
                .string()
                .min(1)
                .max(128)
                .regex(/^[^"\\]+$/),
            )
            .min(1)
            .optional(),
          queue: QUEUE_NAME.optional(),
        })
        .optional(),
      security_hub: z
        .strictObject({
          enabled: z.boolean().default(true),
          queue: QUEUE_NAME.optional(),
        })
        .optional(),
    })
    .prefault({}),
  queues: z
    .strictObject({
      visibility_timeout_seconds: z.number().int().min(0).max(43200).default(300),
      message_retention_seconds: z.number().int().min(60).max(1209600).default(345600),
      dead_letter_retention_seconds: z.number().int().min(60).max(1209600).default(1209600),
      max_receive_count: z.number().int().min(1).max(1000).default(5),
      /** Long polling on every queue: receives wait up to this long for a message instead of returning empty. */
      receive_wait_time_seconds: z.number().int().min(0).max(20).default(20),
    })
    .prefault({}),
  /**
   * CloudWatch alarms on every dead-letter queue (any message) and every collector queue's oldest message, sent
   * to a topic the stack creates (with e-mail subscriptions) and/or to existing topics.
   */
  alarms: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A collector queue whose oldest message is this old is not being read (or not fast enough). */
      oldest_message_age_seconds: z.number().int().min(60).max(1_209_600).default(3600),
      create_topic: z.boolean().default(false),
      /** Subscribed to the created topic; each address must confirm the subscription from the mail SNS sends. */
      email_subscriptions: z
        .array(z.string().regex(/^[^@\s"\\]+@[^@\s"\\]+\.[^@\s"\\]+$/, "must be an e-mail address"))
        .default([]),
      /** Existing topics (same Region) the alarms notify too; their policies must admit CloudWatch. */
      topic_arns: z
        .array(
          z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "must be an SNS topic ARN"),
        )
        .max(4, "CloudWatch takes at most 5 actions per alarm state, one of them the created topic")
        .default([]),
    })
    .prefault({}),
  encryption: z
    .strictObject({
      mode: z.enum(["sse", "kms"]).default("sse"),
      /** With `mode: kms`: use this key instead of creating one (its policy must admit the senders). */
      kms_key_arn: KMS_KEY_ARN.optional(),
      /** Default encryption of a created bucket; `kms` by default in `kms` mode. */
      bucket: z.enum(["sse-s3", "kms"]).optional(),
      key_deletion_window_days: z.number().int().min(7).max(30).default(30),
    })
    .prefault({}),
  /** Where Terraform keeps its state. The default is a local file at the project root (see {@link backendOf}). */
  backend: z
    .discriminatedUnion("type", [
      z.strictObject({
        type: z.literal("local"),
        path: PLAIN_TEXT.min(1).optional(),
      }),
      z.strictObject({
        type: z.literal("s3"),
        bucket: PLAIN_TEXT.min(3),
        key: PLAIN_TEXT.min(1),
        region: REGION.optional(),
        dynamodb_table: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{3,255}$/)
          .optional(),
        /** S3-native state locking (Terraform and OpenTofu 1.10+). */
        use_lockfile: z.boolean().default(false),
      }),
    ])
    .prefault({ type: "local" }),
  access: z
    .discriminatedUnion("mode", [
      z.strictObject({
        mode: z.literal("devo"),
        role_name: ROLE_NAME.optional(),
        trusted_role_arn: ROLE_ARN.default(DEVO_TRUSTED_ROLE_ARN),
        /** Absent: generated once at first apply and kept in the Terraform state. */
        external_id: z.string().optional(),
        max_session_duration_seconds: z.number().int().min(3600).max(43200).default(3600),
      }),
      z.strictObject({
        mode: z.literal("self_hosted"),
        /** The worker's existing task/instance role to attach the reader policy to. */
        worker_role_name: ROLE_NAME.optional(),
      }),
    ])
    .prefault({ mode: "devo" }),
  /** Our own collector as an ECS Fargate service (`worker-config.ts`); absent: nothing runs in the account. */
  worker: workerSchema.optional(),
});

export type RawPipelineConfig = z.output<typeof rawConfigSchema>;

/** One filter rule of the bucket's notification configuration. */
export interface NotificationFilter {
  prefix: string;
  suffix: string;
  events: string[];
}

/** A technology whose files land in S3: one queue, reached by one or more notification filters. */
export interface S3Technology {
  name: string;
  /** YAML path, for messages. */
  origin: string;
  type: S3TechnologyType;
  service: string;
  queueName: string;
  filters: NotificationFilter[];
}

export type EventRuleKind = keyof typeof EVENTBRIDGE_SERVICES;

/** A queue fed by an EventBridge rule instead of S3. */
export interface EventRuleTechnology {
  name: EventRuleKind;
  origin: string;
  service: string;
  queueName: string;
  ruleName: string;
  eventPattern: Record<string, string[]>;
}

export interface TrailConfig {
  create: boolean;
  name: string;
  keyPrefix: string;
  managementEvents: boolean;
  excludeManagementEventSources: string[];
  dataEvents: { resourceType: string; arnPrefixes?: string[] }[];
  insights: ("ApiCallRateInsight" | "ApiErrorRateInsight")[];
  /** Whether the trail encrypts its files with the pipeline key (always when the bucket's default is that key). */
  kms: boolean;
  /** Set for an organization trail. */
  organizationId?: string;
}

export interface AlarmsConfig {
  enabled: boolean;
  oldestMessageAgeSeconds: number;
  createTopic: boolean;
  emailSubscriptions: string[];
  topicArns: string[];
}

export type EncryptionConfig =
  | { mode: "sse" }
  | {
      mode: "kms";
      /** A key given in the config; absent means the stack creates one. */
      existingKeyArn?: string;
      bucketEncryption: "sse-s3" | "kms";
      deletionWindowDays: number;
    };

export type BackendConfig =
  | { type: "local"; path: string }
  | { type: "s3"; bucket: string; key: string; region: string; dynamodbTable?: string; useLockfile: boolean };

export type AccessConfig =
  | {
      mode: "devo";
      roleName: string;
      trustedRoleArn: string;
      /** Absent: generated at first apply. */
      externalId?: string;
      maxSessionDurationSeconds: number;
    }
  | { mode: "self_hosted"; workerRoleName?: string };

/** A destination the existing bucket already notifies, kept in the stack's notification configuration. */
export interface CarriedNotification {
  id: string;
  destination: { kind: "queue" | "topic" | "lambda"; arn: string };
  events: string[];
  prefix: string;
  suffix: string;
}

export interface BucketConfig {
  name: string;
  create: boolean;
  /** Whether the stack may write the bucket's (whole) notification configuration; always for a created bucket. */
  replaceNotifications: boolean;
  carryOverNotifications: CarriedNotification[];
  carryOverEventBridge: boolean;
  managePolicy: boolean;
  forceDestroy: boolean;
  existingKmsKeyArn?: string;
  lifecycle: { expireDays: number; noncurrentExpireDays: number; abortIncompleteMultipartDays: number };
}

/** The validated, defaulted configuration the stack is built from. */
export interface PipelineConfig {
  stackName: string;
  namePrefix: string;
  account: string;
  region: string;
  partition: Partition;
  tags: Record<string, string>;
  bucket?: BucketConfig;
  trail?: TrailConfig;
  technologies: S3Technology[];
  eventRules: EventRuleTechnology[];
  sns: {
    enabled: boolean;
    rawMessageDelivery: boolean;
    subscribers: {
      technology: string;
      protocol: "sqs" | "lambda" | "https";
      endpoint: string;
      rawMessageDelivery: boolean;
    }[];
    externalBuckets: { technology: string; bucket: string; account: string; prefix: string }[];
  };
  queues: {
    visibilityTimeoutSeconds: number;
    messageRetentionSeconds: number;
    deadLetterRetentionSeconds: number;
    maxReceiveCount: number;
    receiveWaitTimeSeconds: number;
  };
  alarms: AlarmsConfig;
  encryption: EncryptionConfig;
  access: AccessConfig;
  backend: BackendConfig;
  readerPolicyName: string;
  worker?: EcsWorkerConfig;
}

export interface ConfigIssue {
  /** YAML path such as `technologies.waf.prefix`. */
  path: string;
  message: string;
}

export class PipelineConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(source: string, issues: ConfigIssue[]) {
    super(
      `invalid pipeline configuration ${source}:\n${issues.map((i) => `  - ${i.path || "(top level)"}: ${i.message}`).join("\n")}`,
    );
    this.name = "PipelineConfigError";
    this.issues = issues;
  }
}

function withAccount(template: string, account: string): string {
  return template.replaceAll("{account}", account);
}

/**
 * The state file defaults to `terraform.<stack>.tfstate` at the project root, written relative to the stack's
 * folder (`cdktf.out/stacks/<stack>/`): that is where both the cdktf CLI and a plain `terraform` run in that folder
 * look, and unlike cdktf's own default it is not an absolute path of the machine that synthesized.
 */
function backendOf(raw: RawPipelineConfig): BackendConfig {
  if (raw.backend.type === "local") {
    return { type: "local", path: raw.backend.path ?? `../../../terraform.${raw.stack_name}.tfstate` };
  }
  return {
    type: "s3",
    bucket: raw.backend.bucket,
    key: raw.backend.key,
    region: raw.backend.region ?? raw.region,
    dynamodbTable: raw.backend.dynamodb_table,
    useLockfile: raw.backend.use_lockfile,
  };
}

function normalize(raw: RawPipelineConfig): PipelineConfig {
  const account = raw.account;
  const prefix = raw.name_prefix;
  // The bucket's default encryption is the pipeline key only on a bucket the stack creates, in kms mode.
  const bucketUsesKey =
    raw.bucket?.create === true && raw.encryption.mode === "kms" && (raw.encryption.bucket ?? "kms") === "kms";
  const trail: TrailConfig | undefined =
    raw.trail === undefined
      ? undefined
      : {
          create: raw.trail.create,
          name: raw.trail.name ?? `${prefix}-trail`,
          keyPrefix: raw.trail.key_prefix.replace(/\/+$/, ""),
          managementEvents: raw.trail.management_events,
          excludeManagementEventSources: raw.trail.exclude_management_event_sources,
          dataEvents: raw.trail.data_events.map((d) => ({
            resourceType: d.resource_type,
            arnPrefixes: d.arn_prefixes,
          })),
          insights: raw.trail.insights,
          kms: raw.trail.kms ?? bucketUsesKey,
          organizationId: raw.trail.organization_id,
        };
  const trailFolder = trail && trail.keyPrefix !== "" ? `${trail.keyPrefix}/` : "";
  const organizationId = trail?.create ? trail.organizationId : undefined;

  const technologies = Object.entries(raw.technologies).map(([name, t]): S3Technology => {
    const profile = S3_TECHNOLOGIES[t.type];
    const events = t.events ?? DEFAULT_EVENTS;
    // CloudTrail's default folder follows the trail's own key prefix when the stack creates the trail.
    // An organization trail writes every member account's files under AWSLogs/<org id>/<account>/CloudTrail/:
    // S3 filters only by prefix and suffix, so the route takes the whole organization folder.
    const defaultPrefix =
      profile.defaultPrefix === undefined
        ? ""
        : t.type === "cloudtrail" && organizationId !== undefined
          ? `${trailFolder}AWSLogs/${organizationId}/`
          : `${t.type === "cloudtrail" ? trailFolder : ""}${withAccount(profile.defaultPrefix, account)}`;
    const filters: NotificationFilter[] = [
      { prefix: t.prefix ?? defaultPrefix, suffix: t.suffix ?? profile.defaultSuffix, events },
    ];
    if (
      t.type === "cloudtrail" &&
      t.prefix === undefined &&
      trail !== undefined &&
      trail.insights.length > 0 &&
      organizationId === undefined
    ) {
      filters.push({
        prefix: `${trailFolder}${withAccount(CLOUDTRAIL_INSIGHTS_PREFIX, account)}`,
        suffix: filters[0].suffix,
        events,
      });
    }
    return {
      name,
      origin: `technologies.${name}`,
      type: t.type,
      service: t.service ?? profile.service,
      queueName: t.queue ?? `${prefix}-${name.replaceAll("_", "-")}`,
      filters,
    };
  });

  const eventRules: EventRuleTechnology[] = [];
  const serviceEvents = raw.eventbridge.service_events;
  if (serviceEvents?.enabled) {
    eventRules.push({
      name: "service_events",
      origin: "eventbridge.service_events",
      service: EVENTBRIDGE_SERVICES.service_events,
      queueName: serviceEvents.queue ?? `${prefix}-service-events`,
      ruleName: `${prefix}-service-events`,
      eventPattern: {
        source: serviceEvents.sources,
        ...(serviceEvents.detail_types === undefined ? {} : { "detail-type": serviceEvents.detail_types }),
      },
    });
  }
  const securityHub = raw.eventbridge.security_hub;
  if (securityHub?.enabled) {
    eventRules.push({
      name: "security_hub",
      origin: "eventbridge.security_hub",
      service: EVENTBRIDGE_SERVICES.security_hub,
      queueName: securityHub.queue ?? `${prefix}-security-hub`,
      ruleName: `${prefix}-security-hub-findings`,
      eventPattern: { source: ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"] },
    });
  }

  const encryption: EncryptionConfig =
    raw.encryption.mode === "sse"
      ? { mode: "sse" }
      : {
          mode: "kms",
          existingKeyArn: raw.encryption.kms_key_arn,
          bucketEncryption: raw.encryption.bucket ?? "kms",
          deletionWindowDays: raw.encryption.key_deletion_window_days,
        };

  const access: AccessConfig =
    raw.access.mode === "devo"
      ? {
          mode: "devo",
          roleName: raw.access.role_name ?? `${prefix}-devo-reader`,
          trustedRoleArn: raw.access.trusted_role_arn,
          externalId: raw.access.external_id,
          maxSessionDurationSeconds: raw.access.max_session_duration_seconds,
        }
      : { mode: "self_hosted", workerRoleName: raw.access.worker_role_name };

  return {
    stackName: raw.stack_name,
    namePrefix: prefix,
    account,
    region: raw.region,
    partition: partitionOf(raw.region),
    tags: raw.tags,
    bucket:
      raw.bucket === undefined
        ? undefined
        : {
            name: raw.bucket.name,
            create: raw.bucket.create,
            replaceNotifications: raw.bucket.create || raw.bucket.replace_notifications,
            carryOverNotifications: raw.bucket.carry_over_notifications.map((n) => ({
              id: n.id,
              destination:
                n.queue_arn !== undefined
                  ? { kind: "queue" as const, arn: n.queue_arn }
                  : n.topic_arn !== undefined
                    ? { kind: "topic" as const, arn: n.topic_arn }
                    : { kind: "lambda" as const, arn: n.lambda_function_arn ?? "" },
              events: n.events,
              prefix: n.prefix,
              suffix: n.suffix,
            })),
            carryOverEventBridge: raw.bucket.carry_over_eventbridge,
            managePolicy: raw.bucket.manage_policy ?? raw.bucket.create,
            forceDestroy: raw.bucket.force_destroy,
            existingKmsKeyArn: raw.bucket.kms_key_arn,
            lifecycle: {
              expireDays: raw.bucket.lifecycle.expire_days,
              noncurrentExpireDays: raw.bucket.lifecycle.noncurrent_expire_days,
              abortIncompleteMultipartDays: raw.bucket.lifecycle.abort_incomplete_multipart_days,
            },
          },
    trail,
    technologies,
    eventRules,
    sns: {
      enabled: raw.sns.enabled,
      rawMessageDelivery: raw.sns.raw_message_delivery,
      subscribers: raw.sns.subscribers.map((s) => ({
        technology: s.technology,
        protocol: s.protocol,
        endpoint: s.endpoint,
        rawMessageDelivery: s.raw_message_delivery ?? raw.sns.raw_message_delivery,
      })),
      externalBuckets: raw.sns.external_buckets,
    },
    queues: {
      visibilityTimeoutSeconds: raw.queues.visibility_timeout_seconds,
      messageRetentionSeconds: raw.queues.message_retention_seconds,
      deadLetterRetentionSeconds: raw.queues.dead_letter_retention_seconds,
      maxReceiveCount: raw.queues.max_receive_count,
      receiveWaitTimeSeconds: raw.queues.receive_wait_time_seconds,
    },
    alarms: {
      enabled: raw.alarms.enabled,
      oldestMessageAgeSeconds: raw.alarms.oldest_message_age_seconds,
      createTopic: raw.alarms.create_topic,
      emailSubscriptions: raw.alarms.email_subscriptions,
      topicArns: raw.alarms.topic_arns,
    },
    encryption,
    access,
    backend: backendOf(raw),
    readerPolicyName: `${prefix}-reader`,
    worker: raw.worker === undefined ? undefined : normalizeWorker(raw.worker),
  };
}

/**
 * One problem per unknown key, at the key's own path, with the nearest valid key when it looks like a typo
 * (`trail.managment_events: unknown key (did you mean 'management_events'?)`), instead of zod's message on the parent.
 */
function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string }[] {
  if (issue.code !== "unrecognized_keys") return [{ path: zodPath(issue.path), message: issue.message }];
  return issue.keys.map((key) => {
    const near = nearestKey(key, pipelineKeys());
    return {
      path: zodPath([...issue.path, key]),
      message: near === undefined ? "unknown key" : `unknown key (did you mean '${near}'?)`,
    };
  });
}

let knownKeys: Set<string> | undefined;
function pipelineKeys(): Set<string> {
  knownKeys ??= schemaKeys([rawConfigSchema]);
  return knownKeys;
}

function zodPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
    .join(".")
    .replaceAll(".[", "[");
}

/**
 * Validates a parsed YAML value and returns the defaulted configuration, or throws {@link PipelineConfigError}
 * listing every problem with its path. `source` names the file in the message.
 */
export function parsePipelineConfig(value: unknown, source = "(inline)"): PipelineConfig {
  const parsed = rawConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new PipelineConfigError(
      source,
      parsed.error.issues.flatMap((issue) => describeIssue(issue)),
    );
  }
  const config = normalize(parsed.data);
  const violations = pipelineRuleViolations(config, parsed.data);
  if (violations.length > 0) throw new PipelineConfigError(source, violations);
  return config;
}

export function loadPipelineConfig(path: string): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
    throw new PipelineConfigError(path, [{ path: "", message: `cannot read the configuration: ${reason}` }]);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new PipelineConfigError(path, [{ path: "", message: `not valid YAML: ${(error as Error).message}` }]);
  }
  return parsePipelineConfig(value, path);
}
