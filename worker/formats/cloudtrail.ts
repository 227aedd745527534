import type { DevoEvent } from "../pipeline/event.ts";
import { countIgnored, countSkipped, type ObjectContext } from "../services/service-definition.ts";
import { compactJson } from "./json-splitter.ts";
import type { ObjectFormat, ObjectRecord, RecordParser } from "./object-format.ts";
import { eventSourceLevel, tagLevel } from "./tag.ts";
import { TopLevelFieldReader } from "./top-level-fields.ts";

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
  const time = new Date(record.eventTime);
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
 * The top-level fields that decide a CloudTrail record's event: what `cloudTrailRecordEvent` reads (tag, time, drop,
 * digest and `Records`-container shapes) and what `parse` reads of a whole top-level value (CloudWatch Logs payloads,
 * EventBridge envelopes). A record is never parsed in full when these tell everything.
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
  "messageType",
  "detail-type",
  "detail",
] as const;

/** One reader for every CloudTrail object: it keeps no state between records. */
const fieldReader = new TopLevelFieldReader(CLOUDTRAIL_FIELDS);

/**
 * Whether CloudTrail formats built without an explicit `fastFields` use the field reader: off, as measured it is no
 * faster than JSON.parse on Node 24 (docs/performance.md): V8's JSON.parse scans and builds in C++ at about the cost
 * of a JavaScript loop that only reads each character with charCodeAt, and the reader must read and check each one.
 */
let fieldReaderByDefault = false;

/** Turns the field reader on or off for formats that do not choose (the bench measures both ways). */
export function useCloudTrailFieldReader(on: boolean): void {
  fieldReaderByDefault = on;
}

/**
 * CloudTrail objects: log files `{"Records":[…]}` (the array streamed element by element), and, for Firehose
 * deliveries (`strict` false), records concatenated with no separator, one per line, wrapped in EventBridge
 * "AWS API Call via CloudTrail" events, or inside CloudWatch Logs subscription payloads of a CloudTrail log group.
 * Digest files are recognised by key or by shape and give no events.
 *
 * `fastFields` (default: see `useCloudTrailFieldReader`) reads only the fields of CLOUDTRAIL_FIELDS from each
 * record's text instead of parsing it in full (the events are the same: the reader validates the whole record and
 * defers to JSON.parse whenever it is not sure); false parses every record, as the property tests' reference.
 */
export function cloudTrailFormat(fixedLevel: string | undefined, strict: boolean, fastFields?: boolean): ObjectFormat {
  return {
    framing: { kind: "json", split: { splitKeys: ["Records"], strict } },
    open(context: ObjectContext): RecordParser {
      const tagging = cloudTrailTagging(context.options, fixedLevel, context.pulledFrom);
      const digest = isDigestKey(context.key);
      const fast = fastFields ?? fieldReaderByDefault;
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
          if (fast) {
            const fields = readFields(record.text);
            if (fields !== undefined && (record.from !== "" || !needsWholeValue(fields))) {
              add(fields, record.text, out);
              return;
            }
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
 * The fields of CLOUDTRAIL_FIELDS from a record's text, in one object shape (absent keys undefined), or `undefined`
 * when the reader is not sure and the record must be parsed in full.
 */
function readFields(text: string): Record<string, unknown> | undefined {
  if (!fieldReader.read(text)) return undefined;
  const v = fieldReader.values;
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
    messageType: v[12],
    "detail-type": v[13],
    detail: v[14],
  };
}

/**
 * Whether a whole top-level value may be a CloudWatch Logs payload or an EventBridge envelope, which `parse` reads
 * from the parsed value (a conservative test: when in doubt, the value is parsed in full).
 */
function needsWholeValue(fields: Record<string, unknown>): boolean {
  return (
    typeof fields.messageType === "string" || (typeof fields["detail-type"] === "string" && fields.detail !== undefined)
  );
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
