import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig, loadConfigFromEnv } from "../config/load-config.ts";
import type { CommandIo } from "./command-io.ts";

/** A command's configuration, loaded and validated, with where it came from. */
export interface LoadedConfig {
  config: Config;
  /** The resolved file path; undefined for `--config-env`. */
  configPath: string | undefined;
  /** The path, or `env:NAME`, for messages. */
  source: string;
  /** The command's other string options (`--certs-dir`), as given. */
  options: Record<string, string | undefined>;
}

/**
 * The command line of a command that reads one configuration (`--config FILE` or `--config-env NAME`) and maybe a
 * few string options: `--help` prints the usage (exit 0); bad usage and an invalid configuration are written to
 * stderr and give exit 2. Otherwise the loaded configuration.
 */
export async function loadConfigFromCommandLine(
  command: string,
  argv: string[],
  io: CommandIo,
  usage: string,
  extraOptions: readonly string[] = [],
): Promise<LoadedConfig | number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string", short: "c" },
        "config-env": { type: "string" },
        help: { type: "boolean", short: "h" },
        ...Object.fromEntries(extraOptions.map((name) => [name, { type: "string" as const }])),
      },
    }));
  } catch (error) {
    io.stderr.write(`aws-devo-collector ${command}: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(usage);
    return 0;
  }
  const file = values.config as string | undefined;
  const variable = values["config-env"] as string | undefined;
  if ((file === undefined) === (variable === undefined)) {
    io.stderr.write(`give exactly one of --config FILE and --config-env NAME\n\n${usage}`);
    return 2;
  }
  const configPath = file === undefined ? undefined : resolve(file);
  try {
    const config = configPath !== undefined ? await loadConfig(configPath) : loadConfigFromEnv(variable as string);
    const options = Object.fromEntries(extraOptions.map((name) => [name, values[name] as string | undefined]));
    return { config, configPath, source: configPath ?? `env:${variable}`, options };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 2;
  }
}
