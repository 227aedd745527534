import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createS3Client, createSqsClient } from "../aws/clients.ts";
import { createCredentialProvider } from "../aws/credentials.ts";
import type { ConfiguredInput, ConfiguredService } from "../config/load-config.ts";
import { ConfigError } from "../config/load-config.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { MessageReaders } from "../sources/sqs/sqs-source.ts";
import { SqsSource } from "../sources/sqs/sqs-source.ts";
import type { Source } from "../sources/work-item.ts";

export interface BuildDeps {
  logger: Logger;
  metrics: Metrics;
  readers: MessageReaders;
  /** Where the config came from, for errors. */
  configSource: string;
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
  for (const input of inputs) {
    const clients = new Map<string, { sqs: SQSClient; s3: S3Client }>();
    for (const { service, queueUrl, inline } of queueServices(input, problems)) {
      const region = input.region ?? regionFromQueueUrl(queueUrl);
      if (region === undefined) {
        problems.push(`inputs.${input.name}.region: needed, because the queue URL ${queueUrl} does not name a region`);
        continue;
      }
      let pair = clients.get(region);
      if (pair === undefined) {
        const credentials = createCredentialProvider(input.credentials, {
          region,
          endpointUrl: input.endpoint_url,
          logger: deps.logger,
        });
        const settings = {
          region,
          endpointUrl: input.endpoint_url,
          s3ForcePathStyle: input.s3_force_path_style,
          credentials,
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
  if (problems.length > 0) throw new ConfigError(deps.configSource, problems);
  return sources;
}
