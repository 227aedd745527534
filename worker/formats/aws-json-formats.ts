import { isEventBridgeEnvelope, type JsonObject, jsonRecordsFormat, timeOf } from "./json-records-format.ts";
import type { ObjectFormat } from "./object-format.ts";

export const WAF_TAG = "cloud.aws.waf.logs";
export const GUARDDUTY_TAG = "cloud.aws.guardduty.findings";

/** JSON records one per line or concatenated (Firehose), or in a top-level array: all read the same way. */
const LENIENT = { strict: false, splitTopLevelArrays: true } as const;

/** AWS WAF (v2 and classic) logs: one JSON object per request, `timestamp` in epoch milliseconds. */
export const wafFormat: ObjectFormat = jsonRecordsFormat(LENIENT, {
  tag: () => WAF_TAG,
  time: (record) => timeOf(record.timestamp),
});

/**
 * GuardDuty findings: the S3 export (findings one per line) or EventBridge "GuardDuty Finding" events delivered by
 * Firehose (the finding is the event's `detail`, and the event's other fields are only routing metadata).
 */
export const guardDutyFormat: ObjectFormat = jsonRecordsFormat(LENIENT, {
  tag: () => GUARDDUTY_TAG,
  time: (record) => timeOf(record.updatedAt),
  unwrap: (record) => (isEventBridgeEnvelope(record) && isObject(record.detail) ? [record.detail] : undefined),
});

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
