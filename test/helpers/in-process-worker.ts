import { validateConfig } from "../../worker/config/load-config.ts";
import { silentLogger } from "../../worker/observability/logger.ts";
import { createMetrics, type Metrics } from "../../worker/observability/metrics.ts";
import type { Output } from "../../worker/outputs/output.ts";
import { buildSources } from "../../worker/pipeline/build-sources.ts";
import { messageReaders } from "../../worker/pipeline/message-readers.ts";
import { Pipeline, type RunSummary } from "../../worker/pipeline/pipeline.ts";
import { MemoryStateStore } from "../../worker/state/memory-state-store.ts";

export interface InProcessWorker {
  metrics: Metrics;
  stop: AbortController;
  done: Promise<RunSummary>;
}

/**
 * Runs the real worker (config validation, SQS source, formats read in turns, pipeline) in this process against the given
 * outputs. The config is Devo's document shape; its `outputs` section is validated but replaced by `outputs`.
 */
export function startInProcessWorker(
  document: Record<string, unknown>,
  outputs: Output[],
  options: { untilIdle?: boolean; concurrency?: number; maxBytesInFlight?: number; graceMs?: number } = {},
): InProcessWorker {
  const config = validateConfig(document);
  const metrics = createMetrics();
  const logger = silentLogger();
  const stop = new AbortController();
  // Queue names are resolved (GetQueueUrl) before the pipeline starts.
  const done = buildSources(config.inputs, {
    logger,
    metrics,
    readers: messageReaders(metrics),
    configSource: "<test>",
    state: new MemoryStateStore(),
  }).then((sources) => {
    const pipeline = new Pipeline(
      sources,
      outputs,
      { logger, metrics },
      {
        concurrency: options.concurrency ?? config.globals.concurrency,
        maxBytesInFlight: options.maxBytesInFlight ?? config.globals.max_bytes_in_flight,
        shutdownGraceMs: options.graceMs ?? 5000,
      },
    );
    return pipeline.run(stop.signal, { untilIdle: options.untilIdle ?? true });
  });
  return { metrics, stop, done };
}

/** Reads a counter's value for a label set (sum over all label sets when `labels` is omitted). */
export async function counterValue(
  metrics: Metrics,
  name: keyof Metrics,
  labels?: Record<string, string>,
): Promise<number> {
  const metric = metrics[name] as {
    get(): Promise<{ values: { value: number; labels: Record<string, string | number> }[] }>;
  };
  const { values } = await metric.get();
  return values
    .filter(
      (entry) => labels === undefined || Object.entries(labels).every(([key, value]) => entry.labels[key] === value),
    )
    .reduce((sum, entry) => sum + entry.value, 0);
}
