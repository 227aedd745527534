import * as z from "../runtime/zod.ts";

/**
 * Options of the AWS collector's services (input type `aws`), with Devo's names. Shared by the catalog
 * (validation at start-up) and the API sources (which read them). Keys marked "ours" are additions; every one
 * has a default, so Devo's files need none of them.
 */
const isoDate = z.iso.datetime({ offset: true, message: "expected ISO-8601 date" });

export const commonAwsServiceOptions = {
  regions: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  request_period_in_seconds: z._default(z.number().check(z.int(), z.positive()), 300),
  /** Our addition: the queue URL of services that read a queue, instead of Devo's queue name. */
  base_url: z.optional(z.url()),
} as const;

/**
 * A queue name as SQS accepts it (1-80 of letters, digits, `-`, `_`; `.fifo` for FIFO queues). Devo's AWS collector
 * takes names, resolved with GetQueueUrl in every region of `regions`.
 */
export const queueName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/, "expected an SQS queue name (1-80 letters, digits, '-' or '_')"));

/**
 * Options of the services that read a queue. `request_period_in_seconds` has no default there: unset, the queue is
 * long-polled without pause; set, the reader pauses that long after finding the queue empty (Devo: "period in
 * seconds used between each data pulling").
 */
const queueServiceOptions = {
  ...commonAwsServiceOptions,
  request_period_in_seconds: z.optional(z.number().check(z.int(), z.positive())),
} as const;

/**
 * Devo's `s3_file_type_filter`: a regular expression (the page says "RegEx") searched in each object key. A list of
 * CloudTrail file types (`CloudTrail`, `CloudTrail-Insight`) is our older form, still accepted.
 */
export const s3FileTypeFilter = z.union([
  z.string().check(
    z.minLength(1),
    z.refine(
      (pattern) => {
        try {
          new RegExp(pattern);
          return true;
        } catch {
          return false;
        }
      },
      { message: "expected a regular expression" },
    ),
  ),
  z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
]);

/**
 * Ours: how far behind "now" an API source stays. AWS makes data visible with a lag (CloudTrail event history
 * ~5 minutes, CloudWatch metrics 1–3 minutes, CloudWatch Logs seconds); reading closer to "now" would pass over
 * data that appears later with an earlier timestamp.
 */
const delaySeconds = (fallback: number) =>
  z._default(z.number().check(z.int(), z.minimum(0), z.maximum(86_400)), fallback);

export const auditEventsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  /** Devo: the queue (name) of the `audits_s3` module. */
  audit_sqs_queue_name: z.optional(queueName),
  types: z._default(z.array(z.enum(["audits_api", "audits_s3"])).check(z.minLength(1)), ["audits_api"]),
  start_time: z.optional(isoDate),
  auto_event_type: z._default(z.boolean(), false),
  drop_event_names: z._default(z.array(z.string()), []),
  s3_file_type_filter: z.optional(s3FileTypeFilter),
  /** Devo: "If true the region and account_id are taken from the event" (default true). */
  use_region_and_account_id_from_event: z._default(z.boolean(), true),
  delay_seconds: delaySeconds(300),
});

/** CloudWatch accepts 1, 5, 10, 20 and 30 seconds (high resolution) and any multiple of 60. */
const metricPeriod = z.number().check(
  z.int(),
  z.refine((p) => [1, 5, 10, 20, 30].includes(p) || (p >= 60 && p % 60 === 0), {
    message: "expected 1, 5, 10, 20, 30 or a multiple of 60 seconds",
  }),
);

export const METRIC_STATISTICS = ["Average", "Minimum", "Maximum", "Sum", "SampleCount"] as const;

export const metricsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  namespaces: z.optional(z.array(z.string().check(z.minLength(1)))),
  start_time: z.optional(isoDate),
  period_in_seconds: z._default(metricPeriod, 60),
  /**
   * Ours: statistics fetched per metric (one GetMetricData query each, and GetMetricData is billed per query).
   * Extended statistics such as `p99` are accepted as CloudWatch spells them.
   */
  statistics: z._default(
    z
      .array(z.union([z.enum(METRIC_STATISTICS), z.string().check(z.regex(/^(p|tm|wm|tc|ts|pr)\d/))]))
      .check(z.minLength(1)),
    [...METRIC_STATISTICS],
  ),
  delay_seconds: delaySeconds(300),
});

export const cloudwatchLogsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  /** Devo: the modules of this custom service; `logs` (CloudWatch Logs) is the only one. */
  types: z._default(z.array(z.literal("logs")).check(z.minLength(1)), ["logs"]),
  /**
   * Devo: one log group name, "as-is, including the different levels separated by slashes". Ours: a list, and a
   * name ending in `*` is a prefix (`/aws/lambda/*`: every Lambda function's group).
   */
  log_groups: z.pipe(
    z.union([z.string().check(z.minLength(1)), z.array(z.string().check(z.minLength(1))).check(z.minLength(1))]),
    z.transform((groups) => (typeof groups === "string" ? [groups] : groups)),
  ),
  start_time: z.optional(isoDate),
  delay_seconds: delaySeconds(60),
});

/** `service-events-all`: EventBridge events on a queue (Devo's `cloudwatch_sqs_queue_name`). */
export const serviceEventsOptions = z.strictObject({
  ...queueServiceOptions,
  cloudwatch_sqs_queue_name: z.optional(queueName),
  auto_event_type: z._default(z.boolean(), false),
});

/**
 * `sqs-cloudwatch-consumer`: Security Hub findings on a queue. Devo's template lists `auto_event_type` here too;
 * its table list gives Security Hub findings one table whatever the option, so it is accepted and changes nothing.
 */
export const securityHubOptions = z.strictObject({
  ...queueServiceOptions,
  cloudwatch_sqs_queue_name: z.optional(queueName),
  auto_event_type: z._default(z.boolean(), false),
});

/** `non-cloudwatch-logs`: VPC Flow Logs and CloudFront logs from S3, each module with its own queue. */
export const nonCloudwatchLogsOptions = z.strictObject({
  ...queueServiceOptions,
  types: z._default(z.array(z.enum(["flowlogs", "cloudfrontlogs"])).check(z.minLength(1)), [
    "flowlogs",
    "cloudfrontlogs",
  ]),
  /** Devo: where collecting starts; objects announced as created before it are left out. */
  start_time: z.optional(isoDate),
  auto_event_type: z._default(z.boolean(), false),
  vpcflowlogs_sqs_queue_name: z.optional(queueName),
  cloudfrontlogs_sqs_queue_name: z.optional(queueName),
});

export type AuditEventsOptions = z.output<typeof auditEventsOptions>;
export type MetricsOptions = z.output<typeof metricsOptions>;
export type CloudwatchLogsOptions = z.output<typeof cloudwatchLogsOptions>;
