import type { ObjectContext } from "../services/service-definition.ts";
import { jsonLineVerdict, type LineRule, type LineVerdict } from "./line-format.ts";

/**
 * CloudFront standard logs: W3C lines (`#Version:` and `#Fields:` lines are not events; records are tab-separated,
 * date and time in the first two fields, UTC), or the JSON output of standard logging v2 (one object per line).
 */
export function cloudFrontRule(tag: string): (context: ObjectContext) => LineRule {
  return () =>
    (line: string): LineVerdict => {
      if (line.startsWith("#")) return { ignore: "W3C directive line (#Version, #Fields)" };
      if (line.startsWith("{"))
        return jsonLineVerdict(line, (record) => ({ tag, time: w3cTime(record.date, record.time) }));
      const tab = line.indexOf("\t");
      const second = tab < 0 ? -1 : line.indexOf("\t", tab + 1);
      const time = second < 0 ? undefined : w3cTime(line.slice(0, tab), line.slice(tab + 1, second));
      return { tag, time };
    };
}

function w3cTime(date: unknown, time: unknown): Date | undefined {
  if (typeof date !== "string" || typeof time !== "string") return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date.trim()) || !/^\d{2}:\d{2}:\d{2}/.test(time.trim())) return undefined;
  const value = new Date(`${date.trim()}T${time.trim()}Z`);
  return Number.isNaN(value.getTime()) ? undefined : value;
}
