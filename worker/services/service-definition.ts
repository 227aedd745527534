import type { z } from "zod";
import type { DevoEvent } from "../pipeline/event.ts";

/** Input types of Devo's collectors: the AWS SQS collector and the AWS collector. */
export type InputType = "sqs_collector" | "aws";

/**
 * Where a service's work comes from:
 * - `sqs-objects`: S3 objects announced on a queue (S3/SNS/EventBridge/CloudTrail/FDR notifications), read and split;
 * - `sqs-events`: events carried inline in queue messages (EventBridge → SQS, Security Hub findings);
 * - `cloudtrail-api`, `cloudwatch-metrics`, `cloudwatch-logs`: polled AWS APIs.
 */
export type SourceKind = "sqs-objects" | "sqs-events" | "cloudtrail-api" | "cloudwatch-metrics" | "cloudwatch-logs";

/** Counters a parse keeps; `skipReasons` counts skipped records by a short reason (`invalid JSON`, …). */
export interface ParseStats {
  events: number;
  skipped: number;
  skipReasons: Record<string, number>;
}

/** What a parser knows about the object it reads. */
export interface ObjectContext {
  bucket: string;
  key: string;
  /** The service's validated options from the config (`inputs.<id>.services.<name>`). */
  options: ServiceOptions;
  stats: ParseStats;
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
  readonly options: z.ZodType<ServiceOptions>;
}

/** Splits one (already fetched, not yet decompressed) object into batches of events. */
export type ObjectReader = (body: AsyncIterable<Uint8Array>, context: ObjectContext) => AsyncIterable<DevoEvent[]>;

export function newParseStats(): ParseStats {
  return { events: 0, skipped: 0, skipReasons: {} };
}

export function countSkipped(stats: ParseStats, reason: string): void {
  stats.skipped++;
  stats.skipReasons[reason] = (stats.skipReasons[reason] ?? 0) + 1;
}
