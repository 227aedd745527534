import type { DevoEvent } from "../pipeline/event.ts";
import { countSkipped, type ObjectContext } from "../services/service-definition.ts";
import { MAX_RECORD_DEPTH, nestedDeeperThan } from "./json-splitter.ts";
import { tagLevel } from "./tag.ts";

export const SERVICE_EVENTS_TAG = "cloud.aws.cloudwatch.events";
export const SECURITY_HUB_TAG = "cloud.aws.securityhub.findings";

/**
 * The EventBridge event carried by an SQS message body: the event itself (EventBridge → SQS target), or an SNS
 * notification whose `Message` is the event (EventBridge → SNS → SQS without raw delivery).
 */
export function parseEventBridgeBody(body: string, context: ObjectContext): Record<string, unknown> | undefined {
  // The event is re-serialised (JSON.stringify recurses): an event nested past the limit is skipped, not thrown.
  if (nestedDeeperThan(body)) {
    countSkipped(context.stats, DEEP_REASON);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    countSkipped(context.stats, "message body is not JSON");
    return undefined;
  }
  if (isObject(value) && value.Type === "Notification" && typeof value.Message === "string") {
    if (nestedDeeperThan(value.Message)) {
      countSkipped(context.stats, DEEP_REASON);
      return undefined;
    }
    try {
      value = JSON.parse(value.Message);
    } catch {
      countSkipped(context.stats, "SNS Message is not JSON");
      return undefined;
    }
  }
  if (!isObject(value) || typeof value.source !== "string" || !("detail" in value)) {
    countSkipped(context.stats, "not an EventBridge event");
    return undefined;
  }
  return value;
}

const DEEP_REASON = `record nested deeper than ${MAX_RECORD_DEPTH} levels`;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function eventTime(value: Record<string, unknown>): Date | undefined {
  if (typeof value.time !== "string") return undefined;
  const time = new Date(value.time);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** `aws.ec2` → `ec2`; a custom source (`com.example.orders`) keeps all its words: `com_example_orders`. */
export function eventTypeOfSource(source: string): string {
  return tagLevel(source.startsWith("aws.") ? source.slice(4) : source);
}

/**
 * `service-events-all`: one event per EventBridge event, tagged `cloud.aws.cloudwatch.events`, or
 * `cloud.aws.cloudwatch.<event type>` with `auto_event_type`. The message is the compact JSON of the event.
 */
export function serviceEvents(body: string, context: ObjectContext): DevoEvent[] {
  const value = parseEventBridgeBody(body, context);
  if (!value) return [];
  const tag =
    context.options.auto_event_type === true
      ? `cloud.aws.cloudwatch.${eventTypeOfSource(value.source as string)}`
      : SERVICE_EVENTS_TAG;
  const event: DevoEvent = { tag, message: JSON.stringify(value) };
  const time = eventTime(value);
  if (time) event.time = time;
  return [event];
}

/**
 * `sqs-cloudwatch-consumer`: Security Hub "Findings - Imported" (and custom action) events; one event per entry of
 * `detail.findings`, the message being the compact JSON of that ASFF finding.
 */
export function securityHubFindings(body: string, context: ObjectContext): DevoEvent[] {
  const value = parseEventBridgeBody(body, context);
  if (!value) return [];
  const detail = value.detail;
  const findings = isObject(detail) && Array.isArray(detail.findings) ? detail.findings : undefined;
  if (!findings) {
    countSkipped(context.stats, "EventBridge event without detail.findings");
    return [];
  }
  const events: DevoEvent[] = [];
  for (const finding of findings) {
    if (!isObject(finding)) {
      countSkipped(context.stats, "finding is not a JSON object");
      continue;
    }
    const event: DevoEvent = { tag: SECURITY_HUB_TAG, message: JSON.stringify(finding) };
    const updated = typeof finding.UpdatedAt === "string" ? new Date(finding.UpdatedAt) : undefined;
    const time = updated && !Number.isNaN(updated.getTime()) ? updated : eventTime(value);
    if (time) event.time = time;
    events.push(event);
  }
  return events;
}
