import { isEventBridgeEnvelope, type JsonObject, jsonRecordsFormat, timeOf } from "./json-records-format.ts";
import type { ObjectFormat } from "./object-format.ts";

export const WAF_TAG = "cloud.aws.waf.logs";
export const GUARDDUTY_TAG = "cloud.aws.guardduty.findings";

/**
 * One JSON record per line (or concatenated, as Firehose writes them): a record cut short is skipped on its own,
 * the scan starting again at the next line.
 */
const NDJSON = { strict: false, lineResync: true } as const;

/** AWS WAF (v2 and classic) logs: one JSON object per request, `timestamp` in epoch milliseconds. */
export const wafFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => WAF_TAG,
  time: (record) => timeOf(record.timestamp),
  fields: ["timestamp"],
});

/**
 * GuardDuty findings: the S3 export (findings one per line) or EventBridge "GuardDuty Finding" events delivered by
 * Firehose (the finding is the event's `detail`, and the event's other fields are only routing metadata).
 */
export const guardDutyFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => GUARDDUTY_TAG,
  time: (record) => timeOf(record.updatedAt),
  unwrap: (record) => (isEventBridgeEnvelope(record) && isObject(record.detail) ? [record.detail] : undefined),
  fields: ["detail-type", "source", "detail", "updatedAt"],
});

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
