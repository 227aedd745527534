import type { DevoEvent } from "../pipeline/event.ts";
import type { ObjectContext } from "../services/service-definition.ts";
import { jsonFieldReaderIsOn } from "./json-records-format.ts";
import { fixedTagLines, isoTime, jsonLineVerdict, type LineVerdict, lineFormat, nthField } from "./line-format.ts";
import { DEFAULT_MAX_LINE_BYTES } from "./line-splitter.ts";
import type { Framing, ObjectFormat, ObjectRecord, RecordParser } from "./object-format.ts";

export const ALB_TAG = "web.aws.alb.access";
export const ELB_TAG = "web.aws.elb.access";
export const S3_ACCESS_TAG = "web.aws.s3.access";
export const ROUTE53_TAG = "dns.aws.route53";

/** ALB access logs: `type time elb client:port …`; the time is the 2nd field (ISO-8601). */
export const albFormat: ObjectFormat = fixedTagLines(ALB_TAG, (line) => isoTime(nthField(line, 1)));

/** Classic ELB access logs: `time elb client:port …`; NLB's `tls 2.0 time …` lines land here too. */
export const elbFormat: ObjectFormat = fixedTagLines(ELB_TAG, (line) =>
  isoTime(line.startsWith("tls ") ? nthField(line, 2) : nthField(line, 0)),
);

const MONTHS: Record<string, string> = {
  Jan: "01",
  Feb: "02",
  Mar: "03",
  Apr: "04",
  May: "05",
  Jun: "06",
  Jul: "07",
  Aug: "08",
  Sep: "09",
  Oct: "10",
  Nov: "11",
  Dec: "12",
};

/** S3 server access logs: `owner bucket [06/Feb/2019:00:00:38 +0000] …`. */
export const s3AccessFormat: ObjectFormat = fixedTagLines(S3_ACCESS_TAG, (line) => {
  const match = /\[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})\]/.exec(line);
  const month = match ? MONTHS[match[2]] : undefined;
  if (!match || !month) return undefined;
  return isoTime(`${match[3]}-${month}-${match[1]}T${match[4]}${match[5]}:${match[6]}`);
});

/**
 * Route 53 logs: Resolver query logs are JSON (one object per line, `query_timestamp`); public hosted-zone query
 * logs are space-separated lines (`1.0 2017-12-13T08:16:02.130Z zone name type …`).
 */
const route53Lines = lineFormat(() => (line): LineVerdict => {
  if (line.trimStart().startsWith("{")) {
    return jsonLineVerdict(line, (record) => ({ tag: ROUTE53_TAG, time: resolverTime(record.query_timestamp) }));
  }
  return { tag: ROUTE53_TAG, time: isoTime(nthField(line, 1)) };
});

const resolverTime = (value: unknown): Date | undefined => (typeof value === "string" ? isoTime(value) : undefined);

/** The Resolver key read while framing: the tag is fixed, so the time is all a record is read for. */
const ROUTE53_FIELDS = ["query_timestamp"] as const;

/**
 * An object of Resolver query logs (its first byte `{`) is framed as NDJSON, as WAF's is, its `query_timestamp` read
 * while the scanner validates each record instead of parsing the record in full; any other object is read as lines.
 * The events are those of reading every object as lines, each JSON line parsed (property-tested). Within a Resolver
 * object, a line that is not one whole JSON object is skipped and counted, as a line of invalid JSON was; a text line
 * in it (AWS writes the two forms to different objects) is counted as invalid JSON between records.
 */
export const route53Format: ObjectFormat = {
  get framing(): Framing {
    if (!jsonFieldReaderIsOn()) return route53Lines.framing;
    // A record is a line: the longest one kept is a line's, as when every object was read as lines.
    const split = { strict: false, lineResync: true, fields: ROUTE53_FIELDS, maxRecordBytes: DEFAULT_MAX_LINE_BYTES };
    return { kind: "json-or-lines", split };
  },
  open(context: ObjectContext): RecordParser {
    const lines = route53Lines.open(context);
    return {
      parse(record: ObjectRecord, out: DevoEvent[]): void {
        if (record.fields === undefined) {
          lines.parse(record, out);
          return;
        }
        const event: DevoEvent = { tag: ROUTE53_TAG, message: record.text };
        const time = resolverTime(record.fields[0]);
        if (time) event.time = time;
        out.push(event);
      },
    };
  },
};
