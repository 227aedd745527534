import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config/load-config.ts";
import { readInlineEvents } from "../formats/read-inline-events.ts";
import { readObject } from "../formats/read-object.ts";
import { startObservabilityServer } from "../observability/http-server.ts";
import { createLogger } from "../observability/logger.ts";
import { createMetrics } from "../observability/metrics.ts";
import { createOutputs } from "../outputs/create-outputs.ts";
import { buildSources } from "../pipeline/build-sources.ts";
import { Pipeline, type RunSummary } from "../pipeline/pipeline.ts";
import { createStateStore } from "../state/create-state-store.ts";
import type { CommandIo } from "./command-io.ts";

export const RUN_USAGE = `aws-devo-collector run --config FILE [options]

Runs every enabled input and service of FILE (Devo's collector config format) until SIGTERM/SIGINT.

Options:
  --config FILE        the configuration (YAML or JSON)
  --until-idle         exit 0 once every queue is drained, every output flushed and every message deleted
  --certs-dir DIR      where output certificates are (default: certs/ beside the config's folder)
  --metrics-port N     serve /metrics and /healthz on port N (overrides globals.metrics.port)
  --summary-json FILE  write the run's summary (events per table, …) as JSON when it ends
`;

/** Runs the collector. Returns the exit code: 0 done, 1 failed, 2 bad usage or configuration. */
export async function runRunCommand(argv: string[], io: CommandIo): Promise<number> {
  let values: ReturnType<typeof parseRunArgs>;
  try {
    values = parseRunArgs(argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${RUN_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(RUN_USAGE);
    return 0;
  }
  if (values.config === undefined) {
    io.stderr.write(`missing --config FILE\n\n${RUN_USAGE}`);
    return 2;
  }
  const configPath = resolve(values.config);
  const logger = createLogger();
  try {
    const config = await loadConfig(configPath);
    if (config.globals.debug) logger.level = "debug";
    const metrics = createMetrics();
    const certsDir = values["certs-dir"] ?? resolve(dirname(configPath), "..", "certs");
    const outputs = await createOutputs(config.outputs, { certsDir, hostname: hostname(), logger });
    const sources = buildSources(config.inputs, {
      logger,
      metrics,
      readers: { readObject, readInlineEvents },
      configSource: configPath,
      state: createStateStore(config.globals.persistence, logger),
    });
    if (sources.length === 0) throw new ConfigError(configPath, ["no enabled input has a service this worker can run"]);
    const pipeline = new Pipeline(
      sources,
      outputs,
      { logger, metrics },
      {
        concurrency: config.globals.concurrency,
        maxBytesInFlight: config.globals.max_bytes_in_flight,
        shutdownGraceMs: config.globals.shutdown_grace_seconds * 1000,
      },
    );

    const stop = new AbortController();
    const onSignal = (signal: string) => {
      if (stop.signal.aborted) return;
      logger.info({ signal }, "stop requested");
      stop.abort();
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));

    const metricsPort =
      values["metrics-port"] !== undefined ? Number(values["metrics-port"]) : config.globals.metrics?.port;
    const observability =
      metricsPort !== undefined
        ? await startObservabilityServer(metricsPort, config.globals.metrics?.host ?? "0.0.0.0", metrics.registry, {
            healthy: () => !stop.signal.aborted,
          })
        : undefined;
    if (observability) logger.info({ port: observability.port }, "serving /metrics and /healthz");

    logger.info(
      {
        sources: sources.map((source) => source.id),
        outputs: outputs.map((output) => output.id),
        untilIdle: values["until-idle"],
      },
      "collector started",
    );
    let summary: RunSummary;
    try {
      summary = await pipeline.run(stop.signal, { untilIdle: values["until-idle"] ?? false });
    } finally {
      await observability?.close();
    }
    logger.info({ ...summary }, "collector stopped");
    if (values["summary-json"] !== undefined) {
      const { writeFile } = await import("node:fs/promises");
      await writeFile(values["summary-json"], `${JSON.stringify(summary, null, 2)}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    logger.fatal({ err: (error as Error).message }, "collector failed");
    return 1;
  }
}

function parseRunArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      config: { type: "string", short: "c" },
      "until-idle": { type: "boolean" },
      "certs-dir": { type: "string" },
      "metrics-port": { type: "string" },
      "summary-json": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  }).values;
}
