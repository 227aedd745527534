import { z } from "zod";

/**
 * Options of the AWS collector's services (input type `aws`), with Devo's names. Shared by the catalog
 * (validation at start-up) and the API sources (which read them). Keys marked "ours" are additions; every one
 * has a default, so Devo's files need none of them.
 */
const isoDate = z.iso.datetime({ offset: true, message: "expected ISO-8601 date" });

export const commonAwsServiceOptions = {
  regions: z.array(z.string().min(1)).min(1).optional(),
  request_period_in_seconds: z.number().int().positive().default(300),
  /** Our addition: the queue of services that read a queue; defaults to the input's `base_url`. */
  base_url: z.url().optional(),
} as const;

/**
 * Ours: how far behind "now" an API source stays. AWS makes data visible with a lag (CloudTrail event history
 * ~5 minutes, CloudWatch metrics 1–3 minutes, CloudWatch Logs seconds); reading closer to "now" would pass over
 * data that appears later with an earlier timestamp.
 */
const delaySeconds = (fallback: number) => z.number().int().min(0).max(86_400).default(fallback);

export const auditEventsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  types: z
    .array(z.enum(["audits_api", "audits_s3"]))
    .min(1)
    .default(["audits_api"]),
  start_time: isoDate.optional(),
  auto_event_type: z.boolean().default(false),
  drop_event_names: z.array(z.string()).default([]),
  s3_file_type_filter: z.array(z.string()).optional(),
  use_region_and_account_id_from_event: z.boolean().default(false),
  delay_seconds: delaySeconds(300),
});

/** CloudWatch accepts 1, 5, 10, 20 and 30 seconds (high resolution) and any multiple of 60. */
const metricPeriod = z
  .number()
  .int()
  .refine((p) => [1, 5, 10, 20, 30].includes(p) || (p >= 60 && p % 60 === 0), {
    message: "expected 1, 5, 10, 20, 30 or a multiple of 60 seconds",
  });

export const METRIC_STATISTICS = ["Average", "Minimum", "Maximum", "Sum", "SampleCount"] as const;

export const metricsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  namespaces: z.array(z.string().min(1)).optional(),
  start_time: isoDate.optional(),
  period_in_seconds: metricPeriod.default(60),
  /**
   * Ours: statistics fetched per metric (one GetMetricData query each, and GetMetricData is billed per query).
   * Extended statistics such as `p99` are accepted as CloudWatch spells them.
   */
  statistics: z
    .array(z.union([z.enum(METRIC_STATISTICS), z.string().regex(/^(p|tm|wm|tc|ts|pr)\d/)]))
    .min(1)
    .default([...METRIC_STATISTICS]),
  delay_seconds: delaySeconds(300),
});

export const cloudwatchLogsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  /** Exact log group names; a name ending in `*` is a prefix (`/aws/lambda/*`: every Lambda function's group). */
  log_groups: z.array(z.string().min(1)).min(1),
  start_time: isoDate.optional(),
  delay_seconds: delaySeconds(60),
});

export type AuditEventsOptions = z.output<typeof auditEventsOptions>;
export type MetricsOptions = z.output<typeof metricsOptions>;
export type CloudwatchLogsOptions = z.output<typeof cloudwatchLogsOptions>;
