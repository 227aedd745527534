/**
 * S3 refuses a notification configuration in which one object key could match two rules for the same event
 * type ("Configurations overlap"). That is decided here, before synth, so the error names the two routes.
 *
 * Two rules overlap exactly when their prefixes are compatible (one starts with the other) and their suffixes are
 * compatible (one ends with the other): the key `<longer prefix><longer suffix>` then matches both, and when
 * either pair is incompatible no key can start (or end) with both.
 */

export interface NotificationRoute {
  /** Where the route comes from, for messages: `technologies.alb`. */
  origin: string;
  events: readonly string[];
  prefix: string;
  suffix: string;
}

export interface FilterOverlap {
  first: NotificationRoute;
  second: NotificationRoute;
  /** The event type both rules react to (the narrower one when a wildcard is involved). */
  event: string;
  /** A key that both rules would match. */
  exampleKey: string;
}

/** `s3:ObjectCreated:*` covers `s3:ObjectCreated:Put`; returns the event both receive, if any. */
export function sharedEvent(a: string, b: string): string | undefined {
  if (a === b) return a;
  if (a.endsWith(":*") && b.startsWith(a.slice(0, -1))) return b;
  if (b.endsWith(":*") && a.startsWith(b.slice(0, -1))) return a;
  return undefined;
}

export function findFilterOverlaps(routes: readonly NotificationRoute[]): FilterOverlap[] {
  const overlaps: FilterOverlap[] = [];
  for (let i = 0; i < routes.length; i++) {
    for (let j = i + 1; j < routes.length; j++) {
      const [first, second] = [routes[i], routes[j]];
      const prefixesMeet = first.prefix.startsWith(second.prefix) || second.prefix.startsWith(first.prefix);
      const suffixesMeet = first.suffix.endsWith(second.suffix) || second.suffix.endsWith(first.suffix);
      if (!prefixesMeet || !suffixesMeet) continue;
      const event = first.events.flatMap((a) => second.events.map((b) => sharedEvent(a, b))).find((e) => e);
      if (event === undefined) continue;
      const prefix = first.prefix.length >= second.prefix.length ? first.prefix : second.prefix;
      const suffix = first.suffix.length >= second.suffix.length ? first.suffix : second.suffix;
      overlaps.push({ first, second, event, exampleKey: `${prefix}example${suffix}` });
    }
  }
  return overlaps;
}

export function describeOverlap(overlap: FilterOverlap): string {
  const show = (r: NotificationRoute) => `prefix "${r.prefix}" suffix "${r.suffix}"`;
  return (
    `notification filters of ${overlap.first.origin} (${show(overlap.first)}) and ${overlap.second.origin} ` +
    `(${show(overlap.second)}) overlap for ${overlap.event}: the key "${overlap.exampleKey}" matches both, and S3 ` +
    "refuses overlapping filters for one event type; give them prefixes (or suffixes) that do not contain each other"
  );
}
