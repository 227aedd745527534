import type { DevoEvent } from "../pipeline/event.ts";
import { countIgnored, countSkipped, type ObjectContext } from "../services/service-definition.ts";
import type { JsonFieldValue, JsonSplitOptions } from "./json-splitter.ts";
import type { ObjectFormat, ObjectRecord, RecordParser } from "./object-format.ts";

export type JsonObject = Record<string, unknown>;

/** What a JSON format decides for one parsed record. */
export interface JsonRecordRule {
  /** The tag of the record, or `undefined` to leave the record out (counted by `ignoreReason`). */
  tag(record: JsonObject, context: ObjectContext): string | undefined;
  /** Why records with no tag are left out (counted as ignored). */
  ignoreReason?: string;
  /** The event time the record carries. */
  time?(record: JsonObject): Date | undefined;
  /**
   * Replaces a record by the records it wraps (an EventBridge envelope's `detail`, a CloudWatch Logs payload's
   * log events); their messages are then JSON.stringify'd, as their original text is not at hand.
   */
  unwrap?(record: JsonObject, context: ObjectContext): JsonObject[] | undefined;
  /**
   * Every depth-1 key `tag`, `time` and `unwrap` read, when that is all they read: the scanner then reads those values
   * while it frames each record, validating it as JSON.parse would, and the record is not parsed at all. They get an
   * object of those keys only (absent ones left out, an object or array value as NESTED_JSON_VALUE); a record that
   * `unwrap` would unwrap is parsed in full, as its inner records are needed. The same record parsed in full must
   * give the same events (property-tested). Empty: the records are only validated (a fixed tag, no time).
   */
  fields?: readonly string[];
}

/**
 * A JSON log format: records framed by the JSON scanner, each parsed (or only its `fields` read while framing), tagged,
 * stored as its compact JSON.
 */
export function jsonRecordsFormat(split: JsonSplitOptions, rule: JsonRecordRule): ObjectFormat {
  const fields = rule.fields;
  return {
    get framing() {
      return {
        kind: "json",
        split: fields !== undefined && jsonFieldReaderOn ? { ...split, fields } : split,
      } as const;
    },
    open(context: ObjectContext): RecordParser {
      return {
        parse(record: ObjectRecord, out: DevoEvent[]): void {
          if (fields !== undefined && record.fields !== undefined) {
            const read = fieldsRecord(fields, record.fields);
            if (rule.unwrap?.(read, context) === undefined) {
              emitEvent(read, record.text, rule, context, out);
              return;
            }
          }
          const parsed = parseJsonObject(record.text, context);
          if (parsed) emitJsonRecord(parsed, record.text, rule, context, out);
        },
      };
    },
  };
}

/**
 * Whether formats with `fields` have them read while framing (on; the bench and the property tests also read every
 * record with JSON.parse, the reference).
 */
let jsonFieldReaderOn = true;

export function useJsonFieldReader(on: boolean): void {
  jsonFieldReaderOn = on;
}

export function jsonFieldReaderIsOn(): boolean {
  return jsonFieldReaderOn;
}

/** The fields read of a record as the object `tag`, `time` and `unwrap` read: the keys present, and only those. */
function fieldsRecord(names: readonly string[], values: readonly JsonFieldValue[]): JsonObject {
  const record: JsonObject = {};
  for (let k = 0; k < names.length; k++) if (values[k] !== undefined) record[names[k]] = values[k];
  return record;
}

/** Parses a record that must be a JSON object; anything else is counted as skipped. */
export function parseJsonObject(text: string, context: ObjectContext): JsonObject | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    countSkipped(context.stats, "invalid JSON");
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    countSkipped(context.stats, "record is not a JSON object");
    return undefined;
  }
  return parsed as JsonObject;
}

export function emitJsonRecord(
  record: JsonObject,
  text: string | undefined,
  rule: JsonRecordRule,
  context: ObjectContext,
  out: DevoEvent[],
): void {
  const inner = rule.unwrap?.(record, context);
  if (inner) {
    for (const item of inner) emitEvent(item, JSON.stringify(item), rule, context, out);
    return;
  }
  emitEvent(record, text, rule, context, out);
}

/** The event of one record by the rule's tag and time, its unwrapping already decided (or none). */
function emitEvent(
  record: JsonObject,
  text: string | undefined,
  rule: JsonRecordRule,
  context: ObjectContext,
  out: DevoEvent[],
): void {
  const tag = rule.tag(record, context);
  if (tag === undefined) {
    countIgnored(context.stats, rule.ignoreReason ?? "record not collected");
    return;
  }
  const event: DevoEvent = { tag, message: text ?? JSON.stringify(record) };
  const time = rule.time?.(record);
  if (time) event.time = time;
  out.push(event);
}

/**
 * A Date from an ISO-8601 string or an epoch number (or numeric string) in seconds, milliseconds, microseconds or
 * nanoseconds — the unit told apart by magnitude, as Cloudflare alone writes three of them depending on settings.
 */
export function timeOf(value: unknown): Date | undefined {
  let time: Date;
  if (typeof value === "number") time = fromEpoch(value);
  else if (typeof value === "string" && value !== "") {
    time = /^\d+(\.\d+)?$/.test(value) ? fromEpoch(Number(value)) : new Date(value);
  } else return undefined;
  return Number.isNaN(time.getTime()) ? undefined : time;
}

function fromEpoch(value: number): Date {
  if (value >= 1e17) return new Date(value / 1e6);
  if (value >= 1e14) return new Date(value / 1e3);
  if (value >= 1e11) return new Date(value);
  return new Date(value * 1000);
}

/** An EventBridge event (`detail-type`, `source`, `detail`) — Firehose deliveries of EventBridge rules carry these. */
export function isEventBridgeEnvelope(record: JsonObject): boolean {
  return typeof record["detail-type"] === "string" && typeof record.source === "string" && "detail" in record;
}
