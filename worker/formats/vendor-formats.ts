import type { ObjectContext } from "../services/service-definition.ts";
import { jsonRecordsFormat, timeOf } from "./json-records-format.ts";
import { isoTime, jsonLineVerdict, type LineVerdict, lineFormat } from "./line-format.ts";
import type { ObjectFormat } from "./object-format.ts";
import { tagLevel } from "./tag.ts";

export const CLOUDFLARE_HTTP_TAG = "cloud.cloudflare.logpush.http";
export const CLOUDFLARE_AUDIT_TAG = "cloud.aws.cloudflare.audit";
export const CROWDSTRIKE_FDR_TAG = "edr.crowdstrike.cannon";
export const IMPERVA_TAG = "cef0.imperva.incapsula";
export const SENTINELONE_TAG = "edr.sentinelone.dv";

/**
 * One JSON record per line (or concatenated, as Firehose writes them): a record cut short is skipped on its own,
 * the scan starting again at the next line.
 */
const NDJSON = { strict: false, lineResync: true } as const;

/** Cloudflare Logpush http_requests: NDJSON; `EdgeStartTimestamp` is RFC 3339, unix seconds or unix nanoseconds. */
export const cloudflareHttpFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => CLOUDFLARE_HTTP_TAG,
  time: (record) => timeOf(record.EdgeStartTimestamp),
});

/** Cloudflare audit logs (Logpush `audit_logs` dataset): NDJSON, `When` is the time. */
export const cloudflareAuditFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => CLOUDFLARE_AUDIT_TAG,
  time: (record) => timeOf(record.When),
});

/** CrowdStrike Falcon Data Replication data files: NDJSON events, `timestamp` in epoch milliseconds. */
export const crowdStrikeFdrFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => CROWDSTRIKE_FDR_TAG,
  time: (record) => timeOf(record.timestamp),
});

/** SentinelOne Deep Visibility (funnel) exports: NDJSON. */
export const sentinelOneFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => SENTINELONE_TAG,
  time: (record) => timeOf(record.timestamp ?? record["event.time"]),
});

/** The first level of an S3 key (`dnslogs` of `dnslogs/2024-03-01/…`), or "" for a key without folders. */
export function firstKeyLevel(key: string): string {
  const slash = key.indexOf("/");
  return slash > 0 ? key.slice(0, slash) : "";
}

/**
 * Lacework data exports: JSON records, one per line or in arrays. The export writes one folder per data type, which becomes the tag's last
 * level: `monitor.lacework.<data type>`.
 */
export const laceworkFormat: ObjectFormat = jsonRecordsFormat(
  { ...NDJSON, splitTopLevelArrays: true },
  {
    tag: (_record, context: ObjectContext) => `monitor.lacework.${tagLevel(firstKeyLevel(context.key) || "events")}`,
    time: (record) => timeOf(record.EVENT_TIME ?? record.START_TIME ?? record.eventTime),
  },
);

/** Cisco Umbrella log types by their S3 folder (`dnslogs/`, `proxylogs/`, …); anything else is DNS. */
const UMBRELLA_TYPES: Record<string, string> = {
  dnslogs: "dns",
  proxylogs: "proxy",
  iplogs: "ip",
  cloudfirewalllogs: "firewall",
  auditlogs: "audit",
};

/** Cisco Umbrella CSV (quoted fields, first field the UTC time `YYYY-MM-DD HH:MM:SS`): each line is an event. */
export const umbrellaFormat: ObjectFormat = lineFormat((context) => {
  const folder = context.key.split("/").find((level) => level in UMBRELLA_TYPES);
  const tag = `sig.cisco.umbrella.${folder ? UMBRELLA_TYPES[folder] : "dns"}`;
  return (line): LineVerdict => {
    const match = /^"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})"/.exec(line);
    return { tag, time: match ? isoTime(`${match[1]}T${match[2]}Z`) : undefined };
  };
});

/**
 * Imperva (Incapsula) SIEM log files: CEF lines. A file starts with Imperva's own header line
 * (`accountId:…|configId:…|checksum:…|format:CEF|…`), which is not an event; any other line that is not CEF is
 * skipped as bad.
 */
export const impervaFormat: ObjectFormat = lineFormat(() => (line): LineVerdict => {
  if (line.startsWith("CEF:")) return { tag: IMPERVA_TAG };
  if (/^accountId:[^|]*\|/.test(line)) return { ignore: "Imperva file header line" };
  return { skip: "not a CEF record" };
});

/**
 * Palo Alto logs: the log type comes from the key (`[file-log_type]`: the first key level, `_` removed, as in Devo's
 * configuration) or else from the CSV record's type field (4th); JSON-formatted records get a `.json` level.
 */
export const paloAltoFormat: ObjectFormat = lineFormat((context) => {
  const fromKey = firstKeyLevel(context.key).replaceAll("_", "");
  return (line): LineVerdict => {
    if (line.startsWith("{")) {
      return jsonLineVerdict(line, (record) => {
        const type = fromKey || (typeof record.type === "string" ? record.type : "unknown");
        return { tag: `firewall.paloalto.${tagLevel(type)}.json` };
      });
    }
    const type = fromKey || csvField(line, 3) || "unknown";
    // The CSV receive time has no zone (it is the firewall's local time): Devo stamps the event instead.
    return { tag: `firewall.paloalto.${tagLevel(type)}` };
  };
});

/** The n-th field of a simple CSV line (no quoted commas before it), or undefined. */
function csvField(line: string, n: number): string | undefined {
  const fields = line.split(",", n + 1);
  return fields.length > n ? fields[n].replace(/^"|"$/g, "") : undefined;
}
