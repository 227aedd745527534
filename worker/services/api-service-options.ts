import { z } from "zod";

/**
 * Options of the AWS collector's services (input type `aws`), with Devo's names. Shared by the catalog
 * (validation at start-up) and the API sources (which read them).
 */
const isoDate = z.iso.datetime({ offset: true, message: "expected ISO-8601 date" });

export const commonAwsServiceOptions = {
  regions: z.array(z.string().min(1)).min(1).optional(),
  request_period_in_seconds: z.number().int().positive().default(300),
  /** Our addition: the queue of services that read a queue; defaults to the input's `base_url`. */
  base_url: z.url().optional(),
} as const;

export const auditEventsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  types: z.array(z.enum(["audits_api", "audits_s3"])).min(1).default(["audits_api"]),
  start_time: isoDate.optional(),
  auto_event_type: z.boolean().default(false),
  drop_event_names: z.array(z.string()).default([]),
  s3_file_type_filter: z.array(z.string()).optional(),
  use_region_and_account_id_from_event: z.boolean().default(false),
});

export const metricsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  namespaces: z.array(z.string().min(1)).optional(),
  start_time: isoDate.optional(),
  period_in_seconds: z.number().int().positive().default(60),
});

export const cloudwatchLogsOptions = z.strictObject({
  ...commonAwsServiceOptions,
  log_groups: z.array(z.string().min(1)).min(1),
  start_time: isoDate.optional(),
});
