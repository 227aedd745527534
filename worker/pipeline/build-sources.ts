import { createS3Client, createSqsClient } from "../aws/clients.ts";
import { CredentialCache } from "../aws/credential-cache.ts";
import type { ObjectStore } from "../aws/wire/s3-wire-client.ts";
import type { SqsApi } from "../aws/wire/sqs-wire-client.ts";
import type { ConfiguredInput, ConfiguredService } from "../config/load-config.ts";
import { ConfigError } from "../config/load-config.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { AuditEventsOptions, CloudwatchLogsOptions, MetricsOptions } from "../services/api-service-options.ts";
import { CloudTrailLookupSource } from "../sources/cloudtrail-lookup-source.ts";
import { CloudWatchLogsSource } from "../sources/cloudwatch-logs-source.ts";
import { CloudWatchMetricsSource } from "../sources/cloudwatch-metrics-source.ts";
import type { MessageReaders } from "../sources/sqs/sqs-source.ts";
import { SqsSource } from "../sources/sqs/sqs-source.ts";
import type { Source } from "../sources/work-item.ts";
import type { StateStore } from "../state/state-store.ts";

export interface BuildDeps {
  logger: Logger;
  metrics: Metrics;
  readers: MessageReaders;
  /** Where the config came from, for errors. */
  configSource: string;
  /** Cursors of the API services (`globals.persistence`). */
  state: StateStore;
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

interface QueueService {
  service: ConfiguredService;
  queueUrl: string;
  inline: boolean;
}

/** Which configured services read a queue, and which queue. */
function queueServices(input: ConfiguredInput, problems: string[]): QueueService[] {
  const found: QueueService[] = [];
  for (const service of input.services) {
    const { definition, options } = service;
    const types = Array.isArray(options.types) ? (options.types as string[]) : [];
    const readsQueue =
      definition.source === "sqs-objects" ||
      definition.source === "sqs-events" ||
      (definition.name === "audit-events-all" && types.includes("audits_s3"));
    if (!readsQueue) continue;
    const queueUrl = (options.base_url as string | undefined) ?? input.base_url;
    if (queueUrl === undefined) {
      problems.push(
        `inputs.${input.name}.services.${definition.name}: needs a queue: set base_url on the input or the service`,
      );
      continue;
    }
    found.push({ service, queueUrl, inline: definition.source === "sqs-events" });
  }
  return found;
}

/**
 * Turns the validated configuration into sources: one SQS source per (service × queue); API sources are added
 * by their own builders. Fails with a {@link ConfigError} naming the place when something needed is missing.
 */
export function buildSources(inputs: ConfiguredInput[], deps: BuildDeps): Source[] {
  const problems: string[] = [];
  const sources: Source[] = [];
  const credentials = new CredentialCache(deps.logger);
  for (const input of inputs) {
    const clients = new Map<string, { sqs: SqsApi; s3: ObjectStore }>();
    for (const { service, queueUrl, inline } of queueServices(input, problems)) {
      const region = input.region ?? regionFromQueueUrl(queueUrl);
      if (region === undefined) {
        problems.push(`inputs.${input.name}.region: needed, because the queue URL ${queueUrl} does not name a region`);
        continue;
      }
      let pair = clients.get(region);
      if (pair === undefined) {
        const settings = {
          region,
          endpointUrl: input.endpoint_url,
          s3ForcePathStyle: input.s3_force_path_style,
          credentials: credentials.get(input, region),
        };
        pair = { sqs: createSqsClient(settings), s3: createS3Client(settings) };
        clients.set(region, pair);
      }
      const { definition, options } = service;
      sources.push(
        new SqsSource(
          {
            id: `${input.name}/${definition.name}/${region}`,
            queueUrl,
            service: definition,
            serviceOptions: options,
            notifications: definition.notifications ?? "s3",
            inline,
            waitTimeSeconds: input.sqs_wait_timeout,
            maxMessages: input.sqs_max_messages,
            visibilityTimeoutSeconds: input.sqs_visibility_timeout,
            maxVisibilitySeconds: input.max_visibility_extension_seconds,
            retryBackoffSeconds: input.retry_backoff_seconds,
            maxRetryBackoffSeconds: input.max_retry_backoff_seconds,
          },
          { ...pair, readers: deps.readers, logger: deps.logger.child({ input: input.name }), metrics: deps.metrics },
        ),
      );
    }
  }
  for (const input of inputs) sources.push(...apiSources(input, deps, credentials, problems));
  if (problems.length > 0) throw new ConfigError(deps.configSource, problems);
  return sources;
}

/**
 * One API source per (service × region): CloudTrail LookupEvents, CloudWatch metrics, CloudWatch Logs. They share
 * the input's credentials in each region with its queues.
 */
function apiSources(
  input: ConfiguredInput,
  deps: BuildDeps,
  credentialCache: CredentialCache,
  problems: string[],
): Source[] {
  const sources: Source[] = [];
  for (const { definition, options } of input.services) {
    const types = Array.isArray(options.types) ? (options.types as string[]) : [];
    const kind =
      definition.source === "cloudtrail-api" && !types.includes("audits_api") ? undefined : definition.source;
    if (kind !== "cloudtrail-api" && kind !== "cloudwatch-metrics" && kind !== "cloudwatch-logs") continue;
    const regions = (options.regions as string[] | undefined) ?? (input.region ? [input.region] : []);
    if (regions.length === 0) {
      problems.push(`inputs.${input.name}.services.${definition.name}.regions: needed (or set the input's region)`);
      continue;
    }
    for (const region of regions) {
      const credentials = credentialCache.get(input, region);
      const common = {
        inputId: input.name,
        serviceName: definition.name,
        region,
        credentials,
        endpointUrl: input.endpoint_url,
      };
      const apiDeps = { state: deps.state, logger: deps.logger };
      if (kind === "cloudtrail-api") {
        sources.push(new CloudTrailLookupSource({ ...common, options: options as AuditEventsOptions }, apiDeps));
      } else if (kind === "cloudwatch-metrics") {
        sources.push(new CloudWatchMetricsSource({ ...common, options: options as MetricsOptions }, apiDeps));
      } else {
        sources.push(new CloudWatchLogsSource({ ...common, options: options as CloudwatchLogsOptions }, apiDeps));
      }
    }
  }
  return sources;
}
