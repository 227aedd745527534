import * as z from "../runtime/zod.ts";
import { s3FileTypeFilter } from "./api-service-options.ts";

/**
 * Options every SQS collector service accepts (`inputs.<id>.services.<name>` of an `sqs_collector` input), with
 * Devo's names. Each service's schema is strict: an unknown key is a start-up error, never silently ignored.
 */
export const commonSqsServiceOptions = {
  /** The region of the input's queue, when given: it must be the queue's own (a URL names one region). */
  regions: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  /** Devo tag override; `[placeholders]` are filled from the record or the object key (see routing-template.ts). */
  routing_template: z.optional(z.string().check(z.minLength(1))),
  /**
   * Devo's `encoding` of the objects. gzip, zstd and plain objects are read as such (the bytes are sniffed, so a
   * file that differs from the setting is still read right); Parquet is not read by this worker and is refused.
   */
  encoding: z.optional(
    z.enum(["gzip", "none", "plain", "zstd", "parquet"]).check(
      z.refine((encoding) => encoding !== "parquet", {
        message: "parquet objects are not supported by this worker (gzip, zstd and plain are)",
      }),
    ),
  ),
  /** CloudTrail records whose `eventName` is listed are dropped. */
  drop_event_names: z._default(z.array(z.string().check(z.minLength(1))), []),
  /**
   * Devo: a regular expression searched in each object key; only matching objects are read. Ours, older: a list of
   * CloudTrail "file types" (the key level after the account: `CloudTrail`, `CloudTrail-Insight`).
   */
  s3_file_type_filter: z.optional(s3FileTypeFilter),
  /** Tag levels `.<account>.<region>` taken from each record. */
  use_region_and_account_id_from_event: z._default(z.boolean(), false),
  /** Derive the tag's event-type level from each record instead of the service's fixed level. */
  auto_event_type: z._default(z.boolean(), false),
  /** Devo's key filters: an object whose key matches every rule of any group is not read. */
  filename_filter_rules: z.optional(
    z.array(
      z
        .array(z.strictObject({ type: z.enum(["match", "not_match"]), pattern: z.string().check(z.minLength(1)) }))
        .check(z.minLength(1)),
    ),
  ),
  /** Values taken from the object key for `[file-<name>]` placeholders: operators applied in order. */
  file_field_definitions: z.optional(
    z.record(
      z.string().check(z.minLength(1)),
      z.array(
        z.union([
          z.strictObject({
            operator: z.literal("split"),
            on: z.string().check(z.minLength(1)),
            element: z.number().check(z.int()),
          }),
          z.strictObject({ operator: z.literal("replace"), to_replace: z.string(), replace_with: z.string() }),
        ]),
      ),
    ),
  ),
  /** Values taken from each JSON record for `[record-<name>]` placeholders: the first key path present wins. */
  record_field_mapping: z.optional(
    z.record(
      z.string().check(z.minLength(1)),
      z.strictObject({ keys: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)) }),
    ),
  ),
} as const;

export const sqsServiceOptions = z.strictObject(commonSqsServiceOptions);

export type SqsServiceOptions = z.infer<typeof sqsServiceOptions>;
