import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig, loadConfigFromEnv } from "../config/load-config.ts";
import { HealthMonitor } from "../observability/health.ts";
import { startObservabilityServer } from "../observability/http-server.ts";
import { createLogger } from "../observability/logger.ts";
import { createMetrics, observeOutputs } from "../observability/metrics.ts";
import { createOutputs, OutputSetupError } from "../outputs/create-outputs.ts";
import { buildSources } from "../pipeline/build-sources.ts";
import { messageReaders } from "../pipeline/message-readers.ts";
import { Pipeline, type RunSummary } from "../pipeline/pipeline.ts";
import { SqsSource } from "../sources/sqs/sqs-source.ts";
import { createStateStore, persistenceProblem } from "../state/create-state-store.ts";
import type { CommandIo } from "./command-io.ts";
import { RUNTIME_FLAGS_ENV, restartedWithRuntimeFlags, runtimeFlagsMissing } from "./runtime-flags.ts";

export const RUN_USAGE = `aws-devo-collector run --config FILE [options]
aws-devo-collector run --config-env NAME [options]

Runs every enabled input and service of the configuration (Devo's collector config format) until SIGTERM, SIGINT
or SIGHUP: then it stops receiving, lets in-flight work finish within globals.shutdown_grace_seconds, hands the rest
back to its queues and exits 0. A second signal ends the stop at once (in-flight work handed back first).

Exit codes: 0 stopped as asked (or, with --until-idle, drained); 1 failed at run time (an output that can deliver
nothing more, a source that cannot go on, a crash): restart it; 2 bad usage or configuration: fix it, a restart
fails the same way.

Options:
  --config FILE        the configuration (YAML or JSON)
  --config-env NAME    the configuration is the value of environment variable NAME (containers: ECS injects the
                       configuration parameter or secret as a variable); give --config or --config-env, not both
  --until-idle         exit 0 once every queue is drained, every output flushed and every message deleted
  --certs-dir DIR      where relative certificate paths of outputs resolve (default: certs/ beside the config's
                       folder; with --config-env, certs/ in the working directory). An output's chain, cert, key
                       or key_passphrase may instead be env:NAME: the PEM text (or passphrase) is in variable NAME
  --metrics-port N     serve /metrics and /healthz on port N (overrides globals.metrics.port; the address is
                       globals.metrics.host, default 0.0.0.0: every interface)
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
  const configEnv = values["config-env"];
  if (values.config !== undefined && configEnv !== undefined) {
    io.stderr.write(
      `--config and --config-env are mutually exclusive: give the configuration as a file or as a variable, not both\n\n${RUN_USAGE}`,
    );
    return 2;
  }
  if (values.config === undefined && configEnv === undefined) {
    io.stderr.write(`missing --config FILE (or --config-env NAME)\n\n${RUN_USAGE}`);
    return 2;
  }
  const port = values["metrics-port"];
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65_535)) {
    io.stderr.write(`--metrics-port: expected a port number (0-65535), got '${port}'\n\n${RUN_USAGE}`);
    return 2;
  }
  // Names the configuration in errors: the resolved path, or `env:NAME`.
  const configPath = values.config === undefined ? undefined : resolve(values.config);
  const configSource = configPath ?? `env:${configEnv}`;
  const logger = createLogger();
  try {
    const config: Config =
      configPath !== undefined ? await loadConfig(configPath) : loadConfigFromEnv(configEnv as string);
    const stateProblem = await persistenceProblem(config.globals.persistence);
    if (stateProblem !== undefined) throw new ConfigError(configSource, [stateProblem]);
    if (config.globals.debug) logger.level = "debug";
    const metrics = createMetrics();
    const certsDir =
      values["certs-dir"] ??
      (configPath !== undefined ? resolve(dirname(configPath), "..", "certs") : resolve("certs"));
    const outputs = await createOutputs(config.outputs, { certsDir, hostname: hostname(), logger }).catch((error) => {
      throw error instanceof OutputSetupError ? new ConfigError(configSource, error.problems) : error;
    });
    const sources = await buildSources(config.inputs, {
      logger,
      metrics,
      readers: messageReaders(metrics),
      configSource,
      state: createStateStore(config.globals.persistence),
      shutdownGraceSeconds: config.globals.shutdown_grace_seconds,
    });
    if (sources.length === 0)
      throw new ConfigError(configSource, ["no enabled input has a service this worker can run"]);
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

    observeOutputs(metrics, outputs);
    const health = new HealthMonitor(metrics.activity, {
      unhealthyAfterMs: (config.globals.metrics?.unhealthy_after_seconds ?? 120) * 1000,
      watchReceives: sources.some((source) => source instanceof SqsSource),
    });

    // SIGHUP too: a closed terminal or a supervisor's reload must not kill in-flight work without handing it back.
    // The first signal drains within the grace period; a second one ends the stop at once.
    const stop = new AbortController();
    const onSignal = (signal: string) => {
      if (stop.signal.aborted) {
        logger.warn({ signal }, "second stop signal: not waiting for the grace period");
        pipeline.stopNow();
        return;
      }
      logger.info({ signal }, "stop requested");
      health.stopping = true;
      stop.abort();
    };
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => onSignal(signal));

    const metricsPort =
      values["metrics-port"] !== undefined ? Number(values["metrics-port"]) : config.globals.metrics?.port;
    const observability =
      metricsPort !== undefined
        ? await startObservabilityServer(
            metricsPort,
            config.globals.metrics?.host ?? "0.0.0.0",
            metrics.registry,
            health,
          )
        : undefined;
    if (observability) logger.info({ port: observability.port }, "serving /metrics and /healthz");

    const missingFlags = runtimeFlagsMissing();
    logger.info(
      {
        // Devo's identification keys (globals id/name, each input's id) name this collector in its logs.
        collector: { id: config.globals.id, name: config.globals.name },
        inputs: config.inputs.map((input) => ({ name: input.name, id: input.id })),
        sources: sources.map((source) => source.id),
        outputs: outputs.map((output) => output.id),
        untilIdle: values["until-idle"],
        runtime: { restarted: restartedWithRuntimeFlags(), missingFlags },
      },
      "collector started",
    );
    if (missingFlags.length > 0) {
      logger.warn(
        { missingFlags, runtimeFlagsEnv: process.env[RUNTIME_FLAGS_ENV] },
        `running without ${missingFlags.join(" ")}: memory on large objects may be about twice the bound. ` +
          "Node: leave AWS_DEVO_COLLECTOR_RUNTIME_FLAGS unset (the worker restarts itself) or pass the flag; " +
          "Deno: run with -A (the restart needs FFI) or set DENO_V8_FLAGS",
      );
    }
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
      "config-env": { type: "string" },
      "until-idle": { type: "boolean" },
      "certs-dir": { type: "string" },
      "metrics-port": { type: "string" },
      "summary-json": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  }).values;
}
