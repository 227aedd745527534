import type { DevoEvent } from "../pipeline/event.ts";
import { countIgnored, countSkipped, type ObjectContext } from "../services/service-definition.ts";
import { parseJsonObject } from "./json-records-format.ts";
import type { ObjectFormat, ObjectRecord, RecordParser } from "./object-format.ts";
import { singleLine } from "./single-line.ts";

export const CLOUDWATCH_LOGS_TAG = "cloud.aws.cloudwatch.logs";

/** One log event of a subscription payload, with the payload's log group and stream. */
export interface LogEvent {
  logGroup: string;
  logStream: string;
  message: string;
  timestamp: number | undefined;
}

/** The tag of one log event, or `{ ignore }` / `{ skip }` to leave it out. */
export type LogEventRule = (event: LogEvent) => string | { ignore: string } | { skip: string };

/**
 * CloudWatch Logs subscription payloads as Firehose writes them to S3: JSON objects (each a gzip member in the
 * original object, concatenated once decompressed) with `messageType`. Each log event of a DATA_MESSAGE is one
 * event whose message is the log line (line breaks kept as `\n`); CONTROL_MESSAGEs (Firehose's reachability
 * checks) are not events.
 */
export function cloudWatchSubscriptionFormat(rule: LogEventRule): ObjectFormat {
  return {
    framing: { kind: "json", split: { strict: false, lineResync: true } },
    open(context: ObjectContext): RecordParser {
      return {
        parse(record: ObjectRecord, out: DevoEvent[]): void {
          const payload = parseJsonObject(record.text, context);
          if (payload) readSubscriptionPayload(payload, rule, context, out);
        },
      };
    },
  };
}

export function readSubscriptionPayload(
  payload: Record<string, unknown>,
  rule: LogEventRule,
  context: ObjectContext,
  out: DevoEvent[],
): void {
  if (payload.messageType === "CONTROL_MESSAGE") {
    countIgnored(context.stats, "CloudWatch Logs CONTROL_MESSAGE");
    return;
  }
  if (payload.messageType !== "DATA_MESSAGE" || !Array.isArray(payload.logEvents)) {
    countSkipped(context.stats, "not a CloudWatch Logs subscription payload");
    return;
  }
  const logGroup = typeof payload.logGroup === "string" ? payload.logGroup : "";
  const logStream = typeof payload.logStream === "string" ? payload.logStream : "";
  for (const item of payload.logEvents) {
    const message = (item as { message?: unknown } | null)?.message;
    if (typeof message !== "string") {
      countSkipped(context.stats, "log event without message");
      continue;
    }
    const rawTimestamp = (item as { timestamp?: unknown }).timestamp;
    const timestamp = typeof rawTimestamp === "number" ? rawTimestamp : undefined;
    const verdict = rule({ logGroup, logStream, message, timestamp });
    if (typeof verdict !== "string") {
      if ("skip" in verdict) countSkipped(context.stats, verdict.skip);
      else countIgnored(context.stats, verdict.ignore);
      continue;
    }
    const event: DevoEvent = { tag: verdict, message: singleLine(message) };
    if (timestamp !== undefined && Number.isFinite(timestamp)) event.time = new Date(timestamp);
    out.push(event);
  }
}

/**
 * CloudWatch agent OS logs: Windows event logs go to `box.win_cloudwatch`, everything else to
 * `box.unix_cloudwatch`. The agent gives no OS field, so the log group/stream names decide (`windows`, `win-`,
 * `System`/`Security`/`Application` event-log streams) and then the message itself (Windows Event XML/JSON).
 */
export function osLogTag(event: LogEvent): string {
  const names = `${event.logGroup} ${event.logStream}`.toLowerCase();
  if (/windows|(^|[\W_])win([\W_]|$)|eventlog/.test(names)) return "box.win_cloudwatch";
  const message = event.message.trimStart();
  if (message.startsWith("<Event xmlns") || /"EventID"\s*:/.test(message)) return "box.win_cloudwatch";
  return "box.unix_cloudwatch";
}
