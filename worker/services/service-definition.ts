import type { ObjectFormat } from "../formats/object-format.ts";
import type { DevoEvent } from "../pipeline/event.ts";
import type * as z from "../runtime/zod.ts";

/** Input types of Devo's collectors: the AWS SQS collector and the AWS collector. */
export type InputType = "sqs_collector" | "aws";

/**
 * Where a service's work comes from:
 * - `sqs-objects`: S3 objects announced on a queue (S3/SNS/EventBridge/CloudTrail/FDR notifications), read and split;
 * - `sqs-events`: events carried inline in queue messages (EventBridge → SQS, Security Hub findings);
 * - `cloudtrail-api`, `cloudwatch-metrics`, `cloudwatch-logs`: polled AWS APIs.
 */
export type SourceKind = "sqs-objects" | "sqs-events" | "cloudtrail-api" | "cloudwatch-metrics" | "cloudwatch-logs";

/**
 * Which queue messages announce the objects of an `sqs-objects` service:
 * - `s3`: S3 event notifications, directly, wrapped by SNS (raw or not), or EventBridge "Object Created" events;
 * - `fdr`: CrowdStrike Falcon Data Replication messages (`{cid, bucket, pathPrefix, files:[{path,size}]}`).
 */
export type NotificationShape = "s3" | "fdr";

/**
 * Counters a parse keeps; `skipReasons` counts skipped (bad) records by a short reason (`invalid JSON`, …).
 * `ignored` counts records left out on purpose, not because they were bad (CloudTrail digest files, header lines,
 * CloudWatch Logs CONTROL_MESSAGEs, `drop_event_names`), so a summary can tell the two apart.
 */
export interface ParseStats {
  events: number;
  skipped: number;
  skipReasons: Record<string, number>;
  ignored?: Record<string, number>;
  /** Records dropped for their size, one entry per object and reason: each is worth a log line. */
  dropped?: DroppedRecords[];
}

/** Records of one object dropped because they are over a size limit (a line or a JSON record too long). */
export interface DroppedRecords {
  bucket: string;
  key: string;
  reason: string;
  records: number;
  largestBytes: number;
  limitBytes: number;
}

/** What a parser knows about the object it reads. */
export interface ObjectContext {
  bucket: string;
  key: string;
  /** The service's validated options from the config (`inputs.<id>.services.<name>`). */
  options: ServiceOptions;
  stats: ParseStats;
  /**
   * Module of a service that has several (`flowlogs` / `cloudfrontlogs` of `non-cloudwatch-logs`, `audits_s3` of
   * `audit-events-all`): set by `parse --type`; when absent the service tells its modules apart by key and content.
   */
  type?: string;
  /** When the notification says the object was created (ms since the epoch), for `start_time`. */
  announcedAt?: number;
  /**
   * The account and region the object was pulled through (the queue's), for tag levels that Devo takes "from the
   * account used to do the data pulling" (`use_region_and_account_id_from_event: false`).
   */
  pulledFrom?: { account: string; region: string };
}

/** Validated options of one configured service; each service's schema decides which keys exist. */
export type ServiceOptions = Record<string, unknown>;

export interface ServiceDefinition {
  /** Devo's service name, so existing configs keep working. */
  readonly name: string;
  readonly input: InputType;
  readonly source: SourceKind;
  /** Framing of objects (`json-records`, `ndjson`, `lines`, `concatenated-json`, …) or `-` for API services. */
  readonly framing: string;
  /** The Devo table(s) the service writes, as documented (`cloud.aws.cloudtrail.<source>`). */
  readonly table: string;
  /** Schema of the service's options (`inputs.<id>.services.<name>`); unknown keys are errors. */
  readonly options: z.ZodMiniType<ServiceOptions>;
  /**
   * Modules of a service that has several (Devo's `types`): `audit-events-all` reads the CloudTrail API
   * (`audits_api`) or S3 via SQS (`audits_s3`); `non-cloudwatch-logs` reads `flowlogs` and `cloudfrontlogs`.
   * `source` is then the source of the default module.
   */
  readonly modules?: readonly { readonly type: string; readonly source: SourceKind }[];
  /** For `sqs-objects` services: the notification shape of their queue messages. */
  readonly notifications?: NotificationShape;
  /** For `sqs-objects` services: the format of one object (it may depend on the key, options or `type`). */
  readonly objectFormat?: (context: ObjectContext) => ObjectFormat;
  /**
   * For `sqs-objects` services: why the configuration's filters (`s3_file_type_filter`, `filename_filter_rules`,
   * `start_time`) leave an object out, or undefined. Part of `skipObject`.
   */
  readonly filterReason?: (context: ObjectContext) => string | undefined;
  /** For `sqs-objects` services: why an object is not read at all (a digest, a filtered key), or undefined. */
  readonly skipObject?: (context: ObjectContext) => string | undefined;
  /**
   * For `sqs-objects` services: whether a key is certainly of this service's data, by the layout AWS writes it
   * under. Used only when several services read one queue (see object-routing.ts); absent: the service reads keys
   * of any layout.
   */
  readonly ownsKey?: (key: string, options: ServiceOptions) => boolean;
  /**
   * For `sqs-events` services: whether a message's event is certainly this service's (Security Hub findings), when
   * several services read one queue; absent: the service takes any event.
   */
  readonly ownsEvent?: (event: Record<string, unknown>) => boolean;
  /** For `sqs-events` services: the events carried by one queue message body. */
  readonly inlineEvents?: (messageBody: string, context: ObjectContext) => DevoEvent[];
}

/*
 * How the pipeline uses a service (worker/services/catalog.ts holds every definition, `findService(name)`):
 * - `sqs-objects`: decode each queue message into (bucket, key) pairs according to `notifications`, GetObject, and
 *   hand the body to `readObject(service, body, context)` (worker/formats/read-object.ts). It yields batches of
 *   events; an ObjectReadError (or any error) means the object could not be read: nack the message. Bad records
 *   inside a readable object are counted in `context.stats` and skipped.
 * - `sqs-events`: the message body itself holds the data (EventBridge → SQS): `readInlineEvents(service, body,
 *   context)` (worker/formats/read-inline-events.ts) returns its events synchronously; a body that is not an event
 *   is counted in `context.stats` (bucket "" and key = the message id are fine for the context).
 * - API kinds: the API sources read `options` themselves; no object reading is involved.
 */

/** Splits one (already fetched, not yet decompressed) object into batches of events. */
export type ObjectReader = (body: AsyncIterable<Uint8Array>, context: ObjectContext) => AsyncIterable<DevoEvent[]>;

export function newParseStats(): ParseStats {
  return { events: 0, skipped: 0, skipReasons: {} };
}

export function countSkipped(stats: ParseStats, reason: string): void {
  stats.skipped++;
  stats.skipReasons[reason] = (stats.skipReasons[reason] ?? 0) + 1;
}

/** Counts a record of `context`'s object dropped for its size (also as skipped, under `reason`). */
export function countDropped(
  context: Pick<ObjectContext, "bucket" | "key" | "stats">,
  reason: string,
  bytes: number,
  limitBytes: number,
): void {
  countSkipped(context.stats, reason);
  const { bucket, key } = context;
  context.stats.dropped ??= [];
  let entry = context.stats.dropped.find((d) => d.bucket === bucket && d.key === key && d.reason === reason);
  if (!entry) {
    entry = { bucket, key, reason, records: 0, largestBytes: 0, limitBytes };
    context.stats.dropped.push(entry);
  }
  entry.records++;
  entry.largestBytes = Math.max(entry.largestBytes, bytes);
}

export function countIgnored(stats: ParseStats, reason: string): void {
  stats.ignored ??= {};
  stats.ignored[reason] = (stats.ignored[reason] ?? 0) + 1;
}
