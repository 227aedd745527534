import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig, loadConfigFromEnv } from "../config/load-config.ts";
import { planApiPolls } from "../pipeline/build-sources.ts";
import { planQueues } from "../pipeline/queue-plan.ts";
import type { CommandIo } from "./command-io.ts";

export const VALIDATE_USAGE = `Usage: aws-devo-collector validate (--config FILE | --config-env NAME)

Checks a configuration without touching the network: every key and type, every service's options, that each
queue service has a queue (Devo's queue name or our base_url) and each API service a region, and that services
sharing a queue can be told apart. Prints what would run (input → service → queue or API, region, Devo table).
Exit codes: 0 valid, 2 invalid (every problem is listed).
`;

const API_CALLS = {
  "cloudtrail-api": "CloudTrail LookupEvents",
  "cloudwatch-metrics": "CloudWatch ListMetrics + GetMetricData",
  "cloudwatch-logs": "CloudWatch Logs DescribeLogGroups + FilterLogEvents",
} as const;

/** `aws-devo-collector validate`: returns the exit code. */
export async function runValidateCommand(argv: string[], io: CommandIo): Promise<number> {
  let values: { config?: string; "config-env"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string", short: "c" },
        "config-env": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    io.stderr.write(`aws-devo-collector validate: ${(error as Error).message}\n\n${VALIDATE_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(VALIDATE_USAGE);
    return 0;
  }
  if ((values.config === undefined) === (values["config-env"] === undefined)) {
    io.stderr.write(`give exactly one of --config FILE and --config-env NAME\n\n${VALIDATE_USAGE}`);
    return 2;
  }
  const source = values.config !== undefined ? resolve(values.config) : `env:${values["config-env"]}`;
  try {
    const config =
      values.config !== undefined
        ? await loadConfig(resolve(values.config))
        : loadConfigFromEnv(values["config-env"] as string);
    const problems: string[] = [];
    const lines = describeRun(config, problems);
    if (problems.length > 0) throw new ConfigError(source, problems);
    if (lines.length === 0) throw new ConfigError(source, ["no enabled input has a service this worker can run"]);
    io.stdout.write(`${source}: valid\n${lines.join("\n")}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 2;
  }
}

/** One line per reader of the run (queue or API poll) and per output. */
function describeRun(config: Config, problems: string[]): string[] {
  const lines: string[] = [];
  for (const queue of planQueues(config.inputs, problems)) {
    const where = "url" in queue.ref ? `queue ${queue.ref.url}` : `queue '${queue.ref.name}' (by name)`;
    for (const { definition, module } of queue.services) {
      const service = module !== undefined ? `${definition.name} (${module})` : definition.name;
      lines.push(`  ${queue.input.name} → ${service}: ${where} in ${queue.region} → ${definition.table}`);
    }
  }
  for (const poll of planApiPolls(config.inputs, problems)) {
    lines.push(
      `  ${poll.input.name} → ${poll.service.definition.name}: ${API_CALLS[poll.kind]} in ${poll.region} → ${poll.service.definition.table}`,
    );
  }
  if (lines.length === 0) return lines;
  for (const [name, output] of Object.entries(config.outputs)) {
    const target =
      "address" in output.config && output.config.address !== undefined
        ? ` ${output.config.address}:${output.config.port}`
        : "";
    lines.push(`  output ${name}: ${output.type}${target}`);
  }
  return lines;
}
