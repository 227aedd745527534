import { type Config, ConfigError } from "../config/load-config.ts";
import { planApiPolls } from "../pipeline/build-sources.ts";
import { planQueues } from "../pipeline/queue-plan.ts";
import type { CommandIo } from "./command-io.ts";
import { loadConfigFromCommandLine } from "./config-command-line.ts";

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
  const loaded = await loadConfigFromCommandLine("validate", argv, io, VALIDATE_USAGE);
  if (typeof loaded === "number") return loaded;
  const { config, source } = loaded;
  const problems: string[] = [];
  const lines = describeRun(config, problems);
  if (lines.length === 0 && problems.length === 0) problems.push("no enabled input has a service this worker can run");
  if (problems.length > 0) {
    io.stderr.write(`${new ConfigError(source, problems).message}\n`);
    return 2;
  }
  io.stdout.write(`${source}: valid\n${lines.join("\n")}\n`);
  return 0;
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
