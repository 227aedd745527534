import { BucketGuard, OwnerCheckedStore } from "../aws/bucket-owner.ts";
import { createInputClients } from "../aws/clients.ts";
import { CredentialCache } from "../aws/credential-cache.ts";
import type { ObjectStore } from "../aws/wire/s3-wire-client.ts";
import type { SqsApi } from "../aws/wire/sqs-wire-client.ts";
import type { ConfiguredInput, ConfiguredService } from "../config/load-config.ts";
import { ConfigError } from "../config/load-config.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { AuditEventsOptions, CloudwatchLogsOptions, MetricsOptions } from "../services/api-service-options.ts";
import { type MessageReaders, SqsSource } from "../sources/sqs/sqs-source.ts";
import type { Source } from "../sources/work-item.ts";
import { MemoryStateStore } from "../state/memory-state-store.ts";
import type { StateStore } from "../state/state-store.ts";
import { accountFromQueueUrl, planQueues } from "./queue-plan.ts";
import { type ResolvedQueue, resolveQueues } from "./resolve-queues.ts";

export interface BuildDeps {
  logger: Logger;
  metrics: Metrics;
  readers: MessageReaders;
  /** Where the config came from, for errors. */
  configSource: string;
  /** Cursors of the API services (`globals.persistence`). */
  state: StateStore;
  /**
   * `globals.shutdown_grace_seconds`: long polls are kept shorter, so that a stop never has to abandon one (SQS can
   * still hand messages to an abandoned poll, and they stay hidden for their whole visibility timeout).
   */
  shutdownGraceSeconds?: number;
}

/**
 * The long poll's wait: `sqs_wait_timeout`, but at most the shutdown grace less a second, so that a stop can always
 * wait for the poll in progress to end instead of abandoning it.
 */
export function longPollSeconds(waitSeconds: number, graceSeconds: number | undefined): number {
  if (graceSeconds === undefined) return waitSeconds;
  return Math.max(0, Math.min(waitSeconds, Math.floor(graceSeconds) - 1));
}

/** A source id that says which services read the queue: `<input>/<service[+service…]>[:<module>]/<region>`. */
function sourceId(queue: ResolvedQueue, taken: Set<string>): string {
  const services = queue.services
    .map((s) => (s.module !== undefined ? `${s.definition.name}:${s.module}` : s.definition.name))
    .join("+");
  let id = `${queue.input.name}/${services}/${queue.region}`;
  // Two queues read by the same services in one region: the queue's name tells them apart.
  if (taken.has(id)) id = `${queue.input.name}/${services}@${queue.url.split("/").pop()}/${queue.region}`;
  taken.add(id);
  return id;
}

/**
 * Devo's `request_period_in_seconds` on the queue's services (the smallest when several set it). audit-events-all's
 * period is its API polling period and does not pace its queue.
 */
function requestPeriodOf(queue: ResolvedQueue): number | undefined {
  const periods = queue.services
    .filter((s) => s.definition.name !== "audit-events-all" && typeof s.options.request_period_in_seconds === "number")
    .map((s) => s.options.request_period_in_seconds as number);
  return periods.length > 0 ? Math.min(...periods) : undefined;
}

/** The SQS and S3 clients of one input in one region, created once and shared by its queues. */
export class InputClients {
  readonly #credentials: CredentialCache;
  readonly #configSource: string;
  readonly #pairs = new Map<string, { sqs: SqsApi; s3: ObjectStore }>();

  constructor(credentials: CredentialCache, configSource = "<inline>") {
    this.#credentials = credentials;
    this.#configSource = configSource;
  }

  get(input: ConfiguredInput, region: string): { sqs: SqsApi; s3: ObjectStore } {
    const key = `${input.name}|${region}`;
    let pair = this.#pairs.get(key);
    if (pair === undefined) {
      try {
        pair = createInputClients({
          inputName: input.name,
          region,
          endpoints: input,
          s3ForcePathStyle: input.s3_force_path_style,
          credentials: this.#credentials.get(input, region),
        });
      } catch (error) {
        // Endpoints, FIPS / dual-stack and proxy variables that cannot work: refused at start-up.
        throw new ConfigError(this.#configSource, [`inputs.${input.name} (${region}): ${(error as Error).message}`]);
      }
      this.#pairs.set(key, pair);
    }
    return pair;
  }

  /** The SQS client of an input in a region (the checks need only that one). */
  readonly sqsFor = (input: ConfiguredInput, region: string): SqsApi => this.get(input, region).sqs;

  /** Closes every client's connections. */
  destroy(): void {
    for (const { sqs, s3 } of this.#pairs.values()) {
      sqs.destroy();
      s3.destroy?.();
    }
  }
}

/**
 * Turns the validated configuration into sources: one SQS source per queue (every service that reads it behind
 * it; queue names resolved with GetQueueUrl), and one API source per (service × region). Fails with a
 * {@link ConfigError} naming the place when something needed is missing or a named queue does not exist.
 */
export async function buildSources(inputs: ConfiguredInput[], deps: BuildDeps): Promise<Source[]> {
  const problems: string[] = [];
  const sources: Source[] = [];
  const credentials = new CredentialCache(deps.logger);
  const clients = new InputClients(credentials, deps.configSource);
  const planned = planQueues(inputs, problems);
  const polls = planApiPolls(inputs, problems);
  if (problems.length > 0) throw new ConfigError(deps.configSource, problems);
  for (const poll of polls) sources.push(await apiSource(poll, deps, credentials));
  if (polls.length > 0 && deps.state instanceof MemoryStateStore) {
    deps.logger.warn(
      "globals.persistence is not set: API cursors are kept in memory and a restart starts again from start_time",
    );
  }
  const queues = await resolveQueues(planned, (queue) => clients.get(queue.input, queue.region).sqs, deps.configSource);
  const ids = new Set<string>();
  for (const queue of queues) {
    const { input } = queue;
    const account = accountFromQueueUrl(queue.url);
    sources.unshift(
      new SqsSource(
        {
          id: sourceId(queue, ids),
          queueUrl: queue.url,
          services: queue.services,
          pulledFrom: account !== undefined ? { account, region: queue.region } : undefined,
          requestPeriodSeconds: requestPeriodOf(queue),
          waitTimeSeconds: longPollSeconds(input.sqs_wait_timeout, deps.shutdownGraceSeconds),
          maxMessages: input.sqs_max_messages,
          visibilityTimeoutSeconds: input.sqs_visibility_timeout,
          maxVisibilitySeconds: input.max_visibility_extension_seconds,
          retryBackoffSeconds: input.retry_backoff_seconds,
          maxRetryBackoffSeconds: input.max_retry_backoff_seconds,
        },
        {
          ...clients.get(input, queue.region),
          // Which buckets this queue's notifications may name, and the owner S3 must confirm for each.
          s3: new OwnerCheckedStore(clients.get(input, queue.region).s3, new BucketGuard(input.name, queue.url, input)),
          readers: deps.readers,
          logger: deps.logger.child({ input: input.name }),
          metrics: deps.metrics,
        },
      ),
    );
  }
  return sources;
}

/** One API poll of the configuration: a service of an input in one region. */
export interface PlannedPoll {
  input: ConfiguredInput;
  service: ConfiguredService;
  kind: "cloudtrail-api" | "cloudwatch-metrics" | "cloudwatch-logs";
  region: string;
}

/** Every API poll of the inputs: one per (service × region); no network. */
export function planApiPolls(inputs: readonly ConfiguredInput[], problems: string[]): PlannedPoll[] {
  const polls: PlannedPoll[] = [];
  for (const input of inputs) {
    for (const service of input.services) {
      const { definition, options } = service;
      const types = Array.isArray(options.types) ? (options.types as string[]) : [];
      const kind =
        definition.source === "cloudtrail-api" && !types.includes("audits_api") ? undefined : definition.source;
      if (kind !== "cloudtrail-api" && kind !== "cloudwatch-metrics" && kind !== "cloudwatch-logs") continue;
      const regions = (options.regions as string[] | undefined) ?? (input.region ? [input.region] : []);
      if (regions.length === 0) {
        problems.push(`inputs.${input.name}.services.${definition.name}.regions: needed (or set the input's region)`);
        continue;
      }
      for (const region of regions) polls.push({ input, service, kind, region });
    }
  }
  return polls;
}

/**
 * The API source of a poll: CloudTrail LookupEvents, CloudWatch metrics, CloudWatch Logs. It shares the input's
 * credentials in its region with the input's queues.
 */
async function apiSource(poll: PlannedPoll, deps: BuildDeps, credentialCache: CredentialCache): Promise<Source> {
  const { input, service, kind, region } = poll;
  const common = {
    account: accountOfRole(input),
    inputId: input.name,
    serviceName: service.definition.name,
    region,
    credentials: credentialCache.get(input, region),
    endpointUrl: input.endpoint_url,
  };
  const apiDeps = { state: deps.state, logger: deps.logger };
  const options = service.options;
  // Imported here, not at the top: they bring the AWS SDK's clients, which a worker of queues only never needs.
  if (kind === "cloudtrail-api") {
    const { CloudTrailLookupSource } = await import("../sources/cloudtrail-lookup-source.ts");
    return new CloudTrailLookupSource({ ...common, options: options as AuditEventsOptions }, apiDeps);
  }
  if (kind === "cloudwatch-metrics") {
    const { CloudWatchMetricsSource } = await import("../sources/cloudwatch-metrics-source.ts");
    return new CloudWatchMetricsSource({ ...common, options: options as MetricsOptions }, apiDeps);
  }
  const { CloudWatchLogsSource } = await import("../sources/cloudwatch-logs-source.ts");
  return new CloudWatchLogsSource({ ...common, options: options as CloudwatchLogsOptions }, apiDeps);
}

/** The account of the role an input assumes last (its data's account), when it assumes one. */
function accountOfRole(input: ConfiguredInput): string | undefined {
  const arn = input.credentials?.targetRoleArn ?? input.credentials?.baseRoleArn;
  return arn === undefined ? undefined : /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(arn)?.[1];
}
