import type { ObjectContext } from "./service-definition.ts";

type FilenameRule = { type: "match" | "not_match"; pattern: string };

/**
 * Devo's `filename_filter_rules`: groups of rules; an object is filtered out when every rule of some group holds
 * (`match`: the key contains the pattern, read as a regular expression; `not_match`: it does not).
 */
export function filteredByFilenameRules(key: string, groups: FilenameRule[][] | undefined): boolean {
  if (!groups) return false;
  return groups.some((group) =>
    group.every((rule) => {
      const found = patternOf(rule.pattern).test(key);
      return rule.type === "match" ? found : !found;
    }),
  );
}

const patterns = new Map<string, RegExp>();

function patternOf(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) {
    try {
      regex = new RegExp(pattern);
    } catch {
      // Not a valid regular expression: Devo's examples are plain substrings, so match it literally.
      regex = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    }
    patterns.set(pattern, regex);
  }
  return regex;
}

/**
 * The CloudTrail "file type" of a key: the level after the account id in CloudTrail's layout
 * `[prefix/]AWSLogs/[o-org/]<account>/<type>/<region>/…` (`CloudTrail`, `CloudTrail-Digest`, `CloudTrail-Insight`).
 */
export function cloudTrailFileType(key: string): string | undefined {
  const match = /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?\d{12}\/([^/]+)\//.exec(key);
  return match?.[1];
}

/** Why an object is not read because of the options every SQS service shares, or undefined. */
export function commonSkipReason(context: ObjectContext): string | undefined {
  const options = context.options;
  if (filteredByFilenameRules(context.key, options.filename_filter_rules as FilenameRule[][] | undefined)) {
    return "key filtered by filename_filter_rules";
  }
  const filter = options.s3_file_type_filter as string | string[] | undefined;
  if (filter !== undefined && !admittedByFileTypeFilter(context.key, filter))
    return "key filtered by s3_file_type_filter";
  const start = options.start_time as string | undefined;
  if (start !== undefined && context.announcedAt !== undefined && context.announcedAt < Date.parse(start)) {
    return "object created before start_time";
  }
  return undefined;
}

/**
 * Devo's form is a regular expression searched in the key; our older form, a list, names CloudTrail file types
 * (the level after the account, or any key level when the key has no CloudTrail layout).
 */
function admittedByFileTypeFilter(key: string, filter: string | string[]): boolean {
  if (typeof filter === "string") return patternOf(filter).test(key);
  const type = cloudTrailFileType(key);
  return type !== undefined ? filter.includes(type) : filter.some((t) => key.includes(`/${t}/`));
}
