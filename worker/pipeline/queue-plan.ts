import type { ConfiguredInput, ConfiguredService } from "../config/load-config.ts";
import type { QueueService } from "../sources/sqs/route-objects.ts";

/** A queue a configuration reads: by URL (ours, `base_url`) or by name (Devo's AWS collector), in one region. */
export type QueueRef = { url: string } | { name: string; path: string };

/** One queue of one input in one region, and every service that reads it: one reader per queue. */
export interface PlannedQueue {
  input: ConfiguredInput;
  region: string;
  ref: QueueRef;
  services: QueueService[];
}

/** `https://sqs.eu-west-1.amazonaws.com/123/q` → `eu-west-1`; also the legacy `eu-west-1.queue.amazonaws.com`. */
export function regionFromQueueUrl(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return (
      /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1] ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com/.exec(host)?.[1]
    );
  } catch {
    return undefined;
  }
}

/** `https://sqs.eu-west-1.amazonaws.com/123456789012/q` → `123456789012`. */
export function accountFromQueueUrl(url: string): string | undefined {
  try {
    return /^\/(\d{12})\//.exec(new URL(url).pathname)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Devo's queue-name keys of the AWS collector's services, per module (`types` value) where a service has several.
 * `undefined` module: the service has one queue.
 */
const QUEUE_NAME_KEYS: Record<string, readonly { key: string; module?: string; whenType?: string }[]> = {
  "service-events-all": [{ key: "cloudwatch_sqs_queue_name" }],
  "sqs-cloudwatch-consumer": [{ key: "cloudwatch_sqs_queue_name" }],
  "audit-events-all": [{ key: "audit_sqs_queue_name", whenType: "audits_s3" }],
  "non-cloudwatch-logs": [
    { key: "vpcflowlogs_sqs_queue_name", module: "flowlogs", whenType: "flowlogs" },
    { key: "cloudfrontlogs_sqs_queue_name", module: "cloudfrontlogs", whenType: "cloudfrontlogs" },
  ],
};

/** Whether a service reads a queue: its own source, or (audit-events-all) a module of its `types`. */
function readsQueue({ definition, options }: ConfiguredService): boolean {
  if (definition.modules !== undefined) {
    const types = Array.isArray(options.types) ? (options.types as string[]) : [];
    return definition.modules.some(
      (module) => (module.source === "sqs-objects" || module.source === "sqs-events") && types.includes(module.type),
    );
  }
  return definition.source === "sqs-objects" || definition.source === "sqs-events";
}

interface Binding {
  region: string;
  ref: QueueRef;
  service: QueueService;
}

/** The queues one service reads: by `base_url` (service, then input), or by Devo's queue names in each region. */
function bindingsOf(input: ConfiguredInput, service: ConfiguredService, problems: string[]): Binding[] {
  const { definition, options } = service;
  const path = `inputs.${input.name}.services.${definition.name}`;
  const url = (options.base_url as string | undefined) ?? input.base_url;
  const types = Array.isArray(options.types) ? (options.types as string[]) : [];
  const named = (QUEUE_NAME_KEYS[definition.name] ?? []).filter(
    (entry) => entry.whenType === undefined || types.includes(entry.whenType),
  );
  const withName = named.filter((entry) => typeof options[entry.key] === "string");
  if (withName.length > 0 && options.base_url === undefined) {
    const regions = (options.regions as string[] | undefined) ?? (input.region ? [input.region] : []);
    if (regions.length === 0) {
      problems.push(
        `${path}.regions: needed to find the queue ${withName.map((e) => `'${options[e.key]}'`).join(", ")} by name`,
      );
      return [];
    }
    return regions.flatMap((region) =>
      withName.map((entry) => ({
        region,
        ref: { name: options[entry.key] as string, path: `${path}.${entry.key}` },
        service: { definition, options, module: entry.module },
      })),
    );
  }
  if (url === undefined) {
    const keys = named.map((entry) => entry.key);
    problems.push(
      `${path}: needs a queue: ${keys.length > 0 ? `set ${keys.join(" / ")} (Devo's queue name), or ` : "set "}base_url on the input or the service`,
    );
    return [];
  }
  const region = input.region ?? regionFromQueueUrl(url);
  if (region === undefined) {
    problems.push(`inputs.${input.name}.region: needed, because the queue URL ${url} does not name a region`);
    return [];
  }
  const regions = options.regions as string[] | undefined;
  if (definition.input === "sqs_collector" && regions !== undefined && (regions.length > 1 || regions[0] !== region)) {
    // A queue URL is in one region: a list that says otherwise would be ignored, so it is refused.
    problems.push(
      `${path}.regions: this service reads the queue ${url} in ${region}; [${regions.join(", ")}] cannot apply to it (use one input per region and queue)`,
    );
    return [];
  }
  return [{ region, ref: { url }, service: { definition, options } }];
}

const refKey = (ref: QueueRef) => ("url" in ref ? `url:${ref.url}` : `name:${ref.name}`);

/**
 * Every queue the configuration reads, with the services that read each: one reader per queue, so that an
 * object announced on a queue that two services share reaches the service it belongs to (route-objects.ts).
 * No network: names are resolved later (resolve-queues.ts).
 */
export function planQueues(inputs: readonly ConfiguredInput[], problems: string[]): PlannedQueue[] {
  const planned = new Map<string, PlannedQueue>();
  for (const input of inputs) {
    for (const service of input.services) {
      if (!readsQueue(service)) continue;
      for (const binding of bindingsOf(input, service, problems)) {
        const key = `${input.name}|${binding.region}|${refKey(binding.ref)}`;
        let queue = planned.get(key);
        if (queue === undefined) {
          queue = { input, region: binding.region, ref: binding.ref, services: [] };
          planned.set(key, queue);
        }
        mergeService(queue.services, binding.service);
      }
    }
  }
  for (const queue of planned.values()) problems.push(...sharingProblems(queue));
  return [...planned.values()];
}

/** One service named twice for one queue (both modules on the same queue name): it tells the modules apart itself. */
export function mergeService(services: QueueService[], service: QueueService): void {
  const same = services.find((s) => s.definition === service.definition);
  if (same === undefined) services.push(service);
  else if (same.module !== service.module) same.module = undefined;
}

/**
 * Services sharing a queue must be told apart: at most one object service that reads keys of any layout and has no
 * key filter, and at most one event service that takes any event. Otherwise objects would be unclaimed at run time.
 */
function sharingProblems(queue: PlannedQueue): string[] {
  if (queue.services.length < 2) return [];
  const where = `inputs.${queue.input.name}: ${"url" in queue.ref ? `queue ${queue.ref.url}` : `queue '${queue.ref.name}' in ${queue.region}`}`;
  const unfiltered = (service: QueueService) =>
    service.options.s3_file_type_filter === undefined && service.options.filename_filter_rules === undefined;
  const anyKey = queue.services.filter(
    (s) => s.definition.source !== "sqs-events" && s.definition.ownsKey === undefined && unfiltered(s),
  );
  const anyEvent = queue.services.filter(
    (s) => s.definition.source === "sqs-events" && s.definition.ownsEvent === undefined,
  );
  const problems: string[] = [];
  if (anyKey.length > 1) {
    problems.push(
      `${where} is read by ${anyKey.map((s) => s.definition.name).join(" and ")}, which both read objects of any key: give them s3_file_type_filter or filename_filter_rules, or separate queues`,
    );
  }
  if (anyEvent.length > 1) {
    problems.push(
      `${where} is read by ${anyEvent.map((s) => s.definition.name).join(" and ")}, which both take any event: use separate queues`,
    );
  }
  return problems;
}
