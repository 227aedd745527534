import type { ObjectContext, ServiceDefinition, ServiceOptions } from "../../services/service-definition.ts";

/** One configured service reading a queue, with the module the queue is for (Devo's per-type queue names). */
export interface QueueService {
  definition: ServiceDefinition;
  options: ServiceOptions;
  /** `flowlogs` / `cloudfrontlogs` when the queue was named for that module; undefined: told apart per object. */
  module?: string;
}

export type Route =
  /** The service that reads the object (its own skip rules, digests and the like, still apply). */
  | { kind: "service"; service: QueueService }
  /** Left out on purpose by the configuration: every service's filters exclude it. The message may be deleted. */
  | { kind: "ignored"; reason: string }
  /** No service can be said to own it, or several can: the object fails, and its message ends in the DLQ. */
  | { kind: "unclaimed"; reason: string };

const names = (services: readonly QueueService[]) => services.map((s) => s.definition.name).join(", ");

/**
 * Which service reads an object announced on a queue that several services read. A queue with one service gives
 * it every object, as Devo's collector does. With several:
 * 1. services whose filters (`s3_file_type_filter`, `filename_filter_rules`, `start_time`) leave the key out drop
 *    out; if none is left, the object is ignored (the configuration says so);
 * 2. a service whose key layout (key-layouts.ts) recognises the key takes it;
 * 3. otherwise the one service left that reads keys of any layout (custom_service, vendor services) takes it;
 * 4. otherwise (no service, or several with an equal claim) the object is unclaimed: it fails with a message
 *    naming the services, so that it is never parsed by the wrong one nor deleted unread.
 */
export function routeObject(
  services: readonly QueueService[],
  context: Omit<ObjectContext, "options" | "type">,
): Route {
  if (services.length === 1) return { kind: "service", service: services[0] };
  const admitted: QueueService[] = [];
  const leftOut: string[] = [];
  for (const service of services) {
    const reason = filteredOut(service, context);
    if (reason === undefined) admitted.push(service);
    else leftOut.push(`${service.definition.name}: ${reason}`);
  }
  if (admitted.length === 0) return { kind: "ignored", reason: leftOut.join("; ") };
  const owners = admitted.filter((service) => service.definition.ownsKey?.(context.key, service.options) === true);
  if (owners.length === 1) return { kind: "service", service: owners[0] };
  if (owners.length > 1) {
    return {
      kind: "unclaimed",
      reason: `the key fits the layout of several services on this queue (${names(owners)}); tell them apart with s3_file_type_filter or filename_filter_rules`,
    };
  }
  const anyLayout = admitted.filter((service) => service.definition.ownsKey === undefined);
  if (anyLayout.length === 1) return { kind: "service", service: anyLayout[0] };
  if (anyLayout.length === 0) {
    return {
      kind: "unclaimed",
      reason: `no service on this queue reads this key (${names(admitted)} read only their own AWS key layouts)`,
    };
  }
  return {
    kind: "unclaimed",
    reason: `several services on this queue read keys of any layout (${names(anyLayout)}); tell them apart with s3_file_type_filter or filename_filter_rules`,
  };
}

/** The service's own filters, without its service-specific skips (digests stay its business). */
function filteredOut(service: QueueService, context: Omit<ObjectContext, "options" | "type">): string | undefined {
  return service.definition.filterReason?.({ ...context, options: service.options, type: service.module });
}

/**
 * Which service takes an event carried in a message (EventBridge → SQS) when several read the queue: the one that
 * owns it (Security Hub findings), else the one that takes any event; otherwise none.
 */
export function routeInlineEvent(
  services: readonly QueueService[],
  event: Record<string, unknown>,
): QueueService | undefined {
  if (services.length === 1) return services[0];
  const owners = services.filter((service) => service.definition.ownsEvent?.(event) === true);
  if (owners.length === 1) return owners[0];
  if (owners.length > 1) return undefined;
  const anyEvent = services.filter((service) => service.definition.ownsEvent === undefined);
  return anyEvent.length === 1 ? anyEvent[0] : undefined;
}
