import type { DevoEvent } from "../pipeline/event.ts";
import { countIgnored, countSkipped, type ObjectContext } from "../services/service-definition.ts";
import { compactJson } from "./json-splitter.ts";
import type { ObjectFormat, ObjectRecord, RecordParser } from "./object-format.ts";

/** Verdict on one line: an event with this tag, or a line left out (skipped as bad, or ignored on purpose). */
export type LineVerdict = { tag: string; time?: Date; message?: string } | { skip: string } | { ignore: string };

/** Per-object state of a line format: the rule may learn from earlier lines (a header). */
export type LineRule = (line: string, context: ObjectContext) => LineVerdict | LineVerdict[];

/**
 * A text log format: one event per line, the message being the line as written (CR and BOM removed; a line has no
 * raw newline by construction).
 */
export function lineFormat(openRule: (context: ObjectContext) => LineRule): ObjectFormat {
  return {
    framing: { kind: "lines" },
    open(context: ObjectContext): RecordParser {
      const rule = openRule(context);
      return {
        parse(record: ObjectRecord, out: DevoEvent[]): void {
          const verdict = rule(record.text, context);
          if (Array.isArray(verdict)) for (const one of verdict) apply(one, record.text, context, out);
          else apply(verdict, record.text, context, out);
        },
      };
    },
  };
}

function apply(verdict: LineVerdict, line: string, context: ObjectContext, out: DevoEvent[]): void {
  if ("skip" in verdict) countSkipped(context.stats, verdict.skip);
  else if ("ignore" in verdict) countIgnored(context.stats, verdict.ignore);
  else {
    const event: DevoEvent = { tag: verdict.tag, message: verdict.message ?? line };
    if (verdict.time) event.time = verdict.time;
    out.push(event);
  }
}

/**
 * A JSON object on a line of a text format (formats that also come as JSON): invalid JSON is skipped; otherwise
 * `event` picks tag and time from the record, and the message is the line as compact JSON.
 */
export function jsonLineVerdict(
  line: string,
  event: (record: Record<string, unknown>) => { tag: string; time?: Date },
): LineVerdict {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return { skip: "invalid JSON" };
  }
  return { ...event(record), message: compactJson(line) };
}

/** The same tag for every line. */
export function fixedTagLines(tag: string, time?: (line: string) => Date | undefined): ObjectFormat {
  return lineFormat(() => (line) => ({ tag, time: time?.(line) }));
}

/** The n-th space-separated field (0-based), without splitting the whole line. */
export function nthField(line: string, n: number): string | undefined {
  let start = 0;
  for (let i = 0; i < n; i++) {
    const space = line.indexOf(" ", start);
    if (space < 0) return undefined;
    start = space + 1;
  }
  const end = line.indexOf(" ", start);
  return line.slice(start, end < 0 ? line.length : end);
}

/** An ISO-8601 timestamp field, or undefined. */
export function isoTime(value: string | undefined): Date | undefined {
  if (!value || value.length < 10) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}
