/**
 * One level of a Devo tag from free text (an AWS service name, an event source): lowercase, and every character
 * that is not a letter, digit or `_` becomes `_`, so a value like `cognito-idp` or `data.iot` stays one level.
 */
export function tagLevel(value: string): string {
  const lower = value.toLowerCase();
  return /^[a-z0-9_]+$/.test(lower) ? lower : lower.replace(/[^a-z0-9_]/g, "_") || "unknown";
}

/** `cognito-idp.amazonaws.com` → `cognito_idp`: the 4th level of CloudTrail tags. */
export function eventSourceLevel(eventSource: string): string {
  const name = eventSource.endsWith(".amazonaws.com") ? eventSource.slice(0, -".amazonaws.com".length) : eventSource;
  return name === "" ? "unknown" : tagLevel(name);
}
