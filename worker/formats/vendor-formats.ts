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
  fields: ["EdgeStartTimestamp"],
});

/** Cloudflare audit logs (Logpush `audit_logs` dataset): NDJSON, `When` is the time. */
export const cloudflareAuditFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => CLOUDFLARE_AUDIT_TAG,
  time: (record) => timeOf(record.When),
  fields: ["When"],
});

/** CrowdStrike Falcon Data Replication data files: NDJSON events, `timestamp` in epoch milliseconds. */
export const crowdStrikeFdrFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => CROWDSTRIKE_FDR_TAG,
  time: (record) => timeOf(record.timestamp),
  fields: ["timestamp"],
});

/** SentinelOne Deep Visibility (funnel) exports: NDJSON. */
export const sentinelOneFormat: ObjectFormat = jsonRecordsFormat(NDJSON, {
  tag: () => SENTINELONE_TAG,
  time: (record) => timeOf(record.timestamp ?? record["event.time"]),
  fields: ["timestamp", "event.time"],
});

/**
 * Lacework agent data types with a `monitor.lacework.agent.<type>` table. Devo's SQS collector page gives the
 * service's tables as `monitor.lacework.[agent].*`; the type names are those of Devo's Lacework agent tables (no
 * Devo page naming them was found: see docs/devo-compatibility.md).
 */
const LACEWORK_AGENT_TYPES: ReadonlySet<string> = new Set([
  "applications",
  "connections",
  "dns_query",
  "interfaces",
  "machine_summary",
  "new_hashes",
  "package",
  "process_summary",
]);

/**
 * The Lacework tag of an exported object, from its key: the export writes one folder per data type. Agent data
 * gets the 4th level Devo's tables have (`agent/dns_query/…` or `dns_query/…` → `monitor.lacework.agent.dns_query`);
 * any other data type is the 3rd level (`alerts/…` → `monitor.lacework.alerts`); a key without folders gives
 * `monitor.lacework.events`.
 */
export function laceworkTag(key: string): string {
  const levels = key
    .split("/")
    .slice(0, -1)
    .filter((level) => level !== "")
    .map(tagLevel);
  if (levels[0] === "agent" && levels.length > 1) return `monitor.lacework.agent.${levels[1]}`;
  const type = levels[0] ?? "events";
  return LACEWORK_AGENT_TYPES.has(type) ? `monitor.lacework.agent.${type}` : `monitor.lacework.${type}`;
}

/** Lacework data exports: JSON records, one per line or in arrays, tagged by the data type of the key. */
export const laceworkFormat: ObjectFormat = jsonRecordsFormat(
  { ...NDJSON, splitTopLevelArrays: true },
  {
    tag: (_record, context: ObjectContext) => laceworkTag(context.key),
    time: (record) => timeOf(record.EVENT_TIME ?? record.START_TIME ?? record.eventTime),
    fields: ["EVENT_TIME", "START_TIME", "eventTime"],
  },
);

/**
 * Cisco Umbrella S3 folders and their Devo tables, as Devo's Cisco Umbrella collector page lists them
 * (`/dnslogs` → `sig.cisco.umbrella.dns`, …). `cloudfirewalllogs` is the folder Umbrella itself writes Cloud
 * Firewall logs to; it goes to the firewall table as Devo's `firewalllogs` does.
 */
const UMBRELLA_FOLDERS: ReadonlyMap<string, string> = new Map([
  ["dnslogs", "dns"],
  ["iplogs", "ip"],
  ["proxylogs", "proxy"],
  ["firewalllogs", "firewall"],
  ["cloudfirewalllogs", "firewall"],
  ["auditlogs", "audit"],
  ["intrusionlogs", "intrusion"],
  ["dlplogs", "dlp"],
]);

/**
 * The Umbrella tag of an object: the first folder of its key that is an Umbrella log folder (customer-managed
 * buckets may put a prefix before it, Cisco-managed ones put the organisation's folder); anything else is DNS, the
 * one table Devo's SQS collector page gives this service.
 */
export function umbrellaTag(key: string): string {
  const levels = key.split("/");
  levels.pop();
  for (const level of levels) {
    const type = UMBRELLA_FOLDERS.get(level);
    if (type !== undefined) return `sig.cisco.umbrella.${type}`;
  }
  return "sig.cisco.umbrella.dns";
}

/** Cisco Umbrella CSV (quoted fields, first field the UTC time `YYYY-MM-DD HH:MM:SS`): each line is an event. */
export const umbrellaFormat: ObjectFormat = lineFormat((context) => {
  const tag = umbrellaTag(context.key);
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
 * PAN-OS log types, as the type field of a log (`TRAFFIC`, `HIPMATCH`, …) and as Devo's third tag level
 * (`firewall.paloalto.<type>`). Devo's firewall.paloalto page documents config, system, threat, traffic,
 * correlation, hipmatch, url and userid; the others are PAN-OS types without a table on that page. `url` is a
 * forwarding category of its own (PAN-OS writes URL filtering logs as THREAT logs of subtype `url`).
 */
const PAN_OS_LOG_TYPES: ReadonlySet<string> = new Set([
  "traffic",
  "threat",
  "url",
  "system",
  "config",
  "hipmatch",
  "userid",
  "correlation",
  "globalprotect",
  "auth",
  "decryption",
  "iptag",
  "tunnel",
  "gtp",
  "sctp",
]);

/** A log type as written (`HIP-MATCH`, `UserId`, `threat_logs`) in Devo's spelling, or undefined if it is none. */
function panOsLogType(word: string): string | undefined {
  const letters = word.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (PAN_OS_LOG_TYPES.has(letters)) return letters;
  const bare = letters.replace(/logs?$/, "");
  return bare !== letters && PAN_OS_LOG_TYPES.has(bare) ? bare : undefined;
}

/**
 * The log type an object key names (Devo's `[file-log_type]`): the first key level, file name included, with a word
 * that is a PAN-OS log type (`traffic/…`, `threat_logs/…`, `…/TRAFFIC.2024.03.01.csv`, `hip-match/…`), or undefined.
 */
export function paloAltoKeyLogType(key: string): string | undefined {
  for (const level of key.split("/")) {
    const words = level.split(/[^A-Za-z0-9]+/).filter((word) => word !== "");
    for (let i = 0; i < words.length; i++) {
      const type = panOsLogType(words[i]) ?? (i + 1 < words.length ? panOsLogType(words[i] + words[i + 1]) : undefined);
      if (type !== undefined) return type;
    }
  }
  return undefined;
}

/** The log type of a CSV record: its type field (4th), URL filtering logs (THREAT of subtype `url`) as `url`. */
function csvLogType(line: string): string | undefined {
  const fields = line.split(",", 5);
  const type = fields.length > 3 ? panOsLogType(fields[3].replace(/^"|"$/g, "")) : undefined;
  return type === "threat" && fields[4]?.replace(/^"|"$/g, "").toLowerCase() === "url" ? "url" : type;
}

/** The log type of a LEEF record: its `cat=` attribute. */
function leefLogType(line: string): string | undefined {
  const cat = /(?:^|[\t |])cat=([A-Za-z-]+)/.exec(line);
  return cat ? panOsLogType(cat[1]) : undefined;
}

/**
 * Palo Alto logs: `firewall.paloalto.<log type>` (Devo's `firewall.paloalto.[file-log_type]`). The log type is the
 * one the object's key names, else the record's own (CSV type field, LEEF `cat`, JSON `type`), else `unknown`.
 * LEEF records get Devo's `.leef` level and JSON records its `.json` level (Devo documents `.json` for threat logs).
 */
export const paloAltoFormat: ObjectFormat = lineFormat((context) => {
  const fromKey = paloAltoKeyLogType(context.key);
  return (line): LineVerdict => {
    if (line.startsWith("{")) {
      return jsonLineVerdict(line, (record) => {
        const own = typeof record.type === "string" ? panOsLogType(record.type) : undefined;
        return { tag: `firewall.paloalto.${fromKey ?? own ?? "unknown"}.json` };
      });
    }
    if (/(?:^|\s)LEEF:\d/.test(line)) {
      return { tag: `firewall.paloalto.${fromKey ?? leefLogType(line) ?? "unknown"}.leef` };
    }
    // The CSV receive time has no zone (it is the firewall's local time): Devo stamps the event instead.
    return { tag: `firewall.paloalto.${fromKey ?? csvLogType(line) ?? "unknown"}` };
  };
});
