import type { DevoEvent } from "../pipeline/event.ts";
import { countIgnored, countSkipped, type ObjectContext } from "../services/service-definition.ts";
import { parseIsoTime } from "./iso-time.ts";
import { compactJson, type JsonFieldValue } from "./json-splitter.ts";
import type { ObjectFormat, ObjectRecord, RecordParser } from "./object-format.ts";
import { eventSourceLevel, tagLevel } from "./tag.ts";

export const CLOUDTRAIL_TAG_PREFIX = "cloud.aws.cloudtrail";

/** How one service turns CloudTrail records into tags (Devo's per-service rules and options). */
export interface CloudTrailTagging {
  /**
   * Fixed 4th level instead of the one derived from `eventSource` (`audit-events-all` writes `events` unless
   * `auto_event_type` is on); Insights records always go to `insights`.
   */
  fixedLevel?: string;
  /** Event names (`eventName`) whose records are dropped, not sent (Devo's `drop_event_names`). */
  dropEventNames: ReadonlySet<string>;
  /** Append `.<recipientAccountId>.<awsRegion>` from each record (Devo's `use_region_and_account_id_from_event`). */
  regionAndAccountFromEvent: boolean;
  /**
   * Otherwise, the account and region the data was pulled through (Devo: "else if false, they are taken from the
   * account used to do the data pulling"), appended when known.
   */
  pulledFrom?: { account: string; region: string };
}

/** Reads the CloudTrail tagging options every CloudTrail service accepts. */
export function cloudTrailTagging(
  options: Record<string, unknown>,
  fixedLevel?: string,
  pulledFrom?: { account: string; region: string },
): CloudTrailTagging {
  const drop = Array.isArray(options.drop_event_names) ? (options.drop_event_names as string[]) : [];
  return {
    fixedLevel: options.auto_event_type === true ? undefined : fixedLevel,
    dropEventNames: new Set(drop),
    regionAndAccountFromEvent: options.use_region_and_account_id_from_event === true,
    pulledFrom,
  };
}

/** A CloudTrail log-file digest (log file integrity validation): no events in it. */
export function isDigestKey(key: string): boolean {
  return key.includes("CloudTrail-Digest/") || /_CloudTrail-Digest_/.test(key);
}

// Presence is `!== undefined`: the same as `in` for a parsed JSON object (no value is undefined, and none of these
// names is on Object.prototype), and it lets the fast reader's fields have one shape with absent keys undefined.
function isDigestShape(record: Record<string, unknown>): boolean {
  return record.digestStartTime !== undefined && record.digestEndTime !== undefined && record.logFiles !== undefined;
}

function isRecordsContainer(record: Record<string, unknown>): boolean {
  return record.Records !== undefined && record.eventVersion === undefined;
}

function isInsight(record: Record<string, unknown>): boolean {
  return record.eventCategory === "Insight" || record.eventType === "AwsCloudTrailInsight";
}

/**
 * Tags already built, by event source and by fixed level. A trail repeats a few dozen event sources, so one string
 * per tag, instead of a new one per record, saves the record's string work and lets the outputs and counters, which
 * look each event's tag up in maps, hash it once. Bounded: a flood of made-up event sources only empties it.
 */
const tagsBySource = new Map<string, string>();
const tagsByLevel = new Map<string, string>();
const TAG_CACHE_LIMIT = 4096;

function cachedTag(cache: Map<string, string>, key: string, level: (key: string) => string): string {
  let tag = cache.get(key);
  if (tag === undefined) {
    tag = `${CLOUDTRAIL_TAG_PREFIX}.${level(key)}`;
    if (cache.size >= TAG_CACHE_LIMIT) cache.clear();
    cache.set(key, tag);
  }
  return tag;
}

const asLevel = (level: string) => level;

/** The tag of one CloudTrail record. */
export function cloudTrailTag(record: Record<string, unknown>, tagging: CloudTrailTagging): string {
  let tag: string;
  if (isInsight(record)) tag = cachedTag(tagsByLevel, "insights", asLevel);
  else if (tagging.fixedLevel !== undefined) tag = cachedTag(tagsByLevel, tagging.fixedLevel, asLevel);
  else if (typeof record.eventSource === "string") tag = cachedTag(tagsBySource, record.eventSource, eventSourceLevel);
  else tag = cachedTag(tagsByLevel, "unknown", asLevel);
  if (tagging.regionAndAccountFromEvent) {
    const account = typeof record.recipientAccountId === "string" ? record.recipientAccountId : "unknown";
    const region = typeof record.awsRegion === "string" ? record.awsRegion : "unknown";
    tag += `.${tagLevel(account)}.${tagLevel(region)}`;
  } else if (tagging.pulledFrom !== undefined) {
    tag += `.${tagLevel(tagging.pulledFrom.account)}.${tagLevel(tagging.pulledFrom.region)}`;
  }
  return tag;
}

function eventTime(record: Record<string, unknown>): Date | undefined {
  if (typeof record.eventTime !== "string") return undefined;
  const time = parseIsoTime(record.eventTime);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/**
 * Turns one parsed CloudTrail record into an event (or none: digests, dropped names). `text` is the record's
 * compact JSON as written in the object, which is what Devo stores.
 */
export function cloudTrailRecordEvent(
  record: unknown,
  text: string,
  tagging: CloudTrailTagging,
  context: ObjectContext,
): DevoEvent | undefined {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    countSkipped(context.stats, "CloudTrail record is not a JSON object");
    return undefined;
  }
  const fields = record as Record<string, unknown>;
  if (isDigestShape(fields)) {
    countIgnored(context.stats, "CloudTrail digest file");
    return undefined;
  }
  if (isRecordsContainer(fields)) {
    // `{"Records": …}` whose Records is not an array: a file of the right kind with nothing readable in it.
    countSkipped(context.stats, "CloudTrail Records is not an array");
    return undefined;
  }
  if (typeof fields.eventName === "string" && tagging.dropEventNames.has(fields.eventName)) {
    countIgnored(context.stats, "dropped by drop_event_names");
    return undefined;
  }
  const time = eventTime(fields);
  const event: DevoEvent = { tag: cloudTrailTag(fields, tagging), message: text };
  if (time) event.time = time;
  return event;
}

/**
 * The depth-1 fields that decide the event of a record of a log file's `Records` array: what `cloudTrailRecordEvent`
 * reads (tag, time, drop, digest and `Records`-container shapes). The JSON scanner reads them while it frames each
 * record (`JsonSplitOptions.fields`), so that a record is not parsed in full when they tell everything.
 */
export const CLOUDTRAIL_FIELDS = [
  "eventSource",
  "eventName",
  "eventTime",
  "eventType",
  "eventCategory",
  "recipientAccountId",
  "awsRegion",
  "digestStartTime",
  "digestEndTime",
  "logFiles",
  "Records",
  "eventVersion",
] as const;

/**
 * Whether CloudTrail formats built without an explicit `fastFields` read the fields while framing: on. It gives the
 * same events as JSON.parse of every record (property tests, and the sample corpus byte for byte), and with the SIMD
 * search of string ends it reads a log file with about 1.5× fewer instructions per event once V8 has compiled the
 * scan (a one-off cost per process that a short read does not amortise): docs/performance.md.
 */
let fieldReaderByDefault = true;

/** Turns the field reading on or off for formats that do not choose (the bench and tests read both ways). */
export function useCloudTrailFieldReader(on: boolean): void {
  fieldReaderByDefault = on;
}

/**
 * CloudTrail objects: log files `{"Records":[…]}` (the array streamed element by element), and, for Firehose
 * deliveries (`strict` false), records concatenated with no separator, one per line, wrapped in EventBridge
 * "AWS API Call via CloudTrail" events, or inside CloudWatch Logs subscription payloads of a CloudTrail log group.
 * Digest files are recognised by key or by shape and give no events.
 *
 * `fastFields` (default: see `useCloudTrailFieldReader`) has the JSON scanner read the fields of CLOUDTRAIL_FIELDS of
 * each `Records` element while it frames it, validating the element as JSON.parse would, instead of parsing the
 * element in full (the events are the same: when the scanner is not sure, the element is parsed as before); false
 * parses every record, as the property tests' reference. Whole top-level values are always parsed.
 */
export function cloudTrailFormat(fixedLevel: string | undefined, strict: boolean, fastFields?: boolean): ObjectFormat {
  return {
    get framing() {
      const fields = (fastFields ?? fieldReaderByDefault) ? CLOUDTRAIL_FIELDS : undefined;
      return { kind: "json", split: { splitKeys: ["Records"], strict, fields } } as const;
    },
    open(context: ObjectContext): RecordParser {
      const tagging = cloudTrailTagging(context.options, fixedLevel, context.pulledFrom);
      const digest = isDigestKey(context.key);
      const add = (parsed: unknown, text: string, out: DevoEvent[]): void => {
        const event = cloudTrailRecordEvent(parsed, text, tagging, context);
        if (event) out.push(event);
      };
      return {
        parse(record: ObjectRecord, out: DevoEvent[]): void {
          if (digest) {
            if (record.from === "") countIgnored(context.stats, "CloudTrail digest file");
            return;
          }
          if (record.fields !== undefined && record.from !== "") {
            add(fieldsObject(record.fields), record.text, out);
            return;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(record.text);
          } catch {
            countSkipped(context.stats, "invalid JSON");
            return;
          }
          if (record.from === "" && parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
            const value = parsed as Record<string, unknown>;
            if (value.messageType === "DATA_MESSAGE" || value.messageType === "CONTROL_MESSAGE") {
              readLogEvents(value, context, out, add);
              return;
            }
            const detail = value.detail;
            if (typeof value["detail-type"] === "string" && detail !== null && typeof detail === "object") {
              add(detail, JSON.stringify(detail), out);
              return;
            }
          }
          add(parsed, record.text, out);
        },
      };
    },
  };
}

/**
 * The values of CLOUDTRAIL_FIELDS (same order) as a record that `cloudTrailRecordEvent` reads as it reads a parsed
 * one: one object shape, absent keys undefined (an object or array value is NESTED_JSON_VALUE, never read here).
 */
function fieldsObject(v: readonly JsonFieldValue[]): Record<string, unknown> {
  return {
    eventSource: v[0],
    eventName: v[1],
    eventTime: v[2],
    eventType: v[3],
    eventCategory: v[4],
    recipientAccountId: v[5],
    awsRegion: v[6],
    digestStartTime: v[7],
    digestEndTime: v[8],
    logFiles: v[9],
    Records: v[10],
    eventVersion: v[11],
  };
}

/** CloudWatch Logs subscription payload of a CloudTrail log group: each log event's message is one record. */
function readLogEvents(
  payload: Record<string, unknown>,
  context: ObjectContext,
  out: DevoEvent[],
  add: (parsed: unknown, text: string, out: DevoEvent[]) => void,
): void {
  if (payload.messageType === "CONTROL_MESSAGE") {
    countIgnored(context.stats, "CloudWatch Logs CONTROL_MESSAGE");
    return;
  }
  const logEvents = Array.isArray(payload.logEvents) ? payload.logEvents : [];
  for (const logEvent of logEvents) {
    const message = (logEvent as { message?: unknown } | null)?.message;
    if (typeof message !== "string") {
      countSkipped(context.stats, "log event without message");
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      countSkipped(context.stats, "invalid JSON");
      continue;
    }
    add(parsed, compactJson(message), out);
  }
}
