import type { DevoEvent } from "../pipeline/event.ts";
import type { ObjectContext, ServiceDefinition } from "../services/service-definition.ts";

/**
 * Events carried inline by one SQS message of an `sqs-events` service (EventBridge → SQS). A body that holds no
 * event is counted in `context.stats` and gives an empty array: the message can be deleted, nothing was in it.
 */
export function readInlineEvents(service: ServiceDefinition, messageBody: string, context: ObjectContext): DevoEvent[] {
  if (!service.inlineEvents) {
    throw new Error(
      `service ${service.name} does not read events from queue messages (its source is ${service.source})`,
    );
  }
  const events = service.inlineEvents(messageBody, context);
  context.stats.events += events.length;
  return events;
}
