/**
 * `npm run handoff -- OUTPUTS.json`: turns the deployed stack's outputs into what Devo needs (one collector per
 * technology: service, queue URL, role ARN, ExternalId) and a worker configuration that reads the same queues.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { WORKER_METRICS_PORT, WORKER_STATE_DIR } from "../infra/worker-config.ts";
import { buildHandoff, type HandoffAlarms } from "./handoff/build-handoff.ts";
import { HandoffError } from "./handoff/handoff-error.ts";
import { readStackOutputs } from "./handoff/read-stack-outputs.ts";
import { renderHandoffJson, renderHandoffMarkdown } from "./handoff/render-devo-handoff.ts";
import { DEVO_ENDPOINTS, renderWorkerConfig } from "./handoff/render-worker-config.ts";

export const HANDOFF_USAGE = `npm run handoff -- OUTPUTS.json --devo-region R [options]

OUTPUTS.json is \`terraform output -json > OUTPUTS.json\` (or tofu), or \`cdktf output --outputs-file OUTPUTS.json
--outputs-file-include-sensitive-outputs\`. Writes devo-handoff.md, devo-handoff.json and worker-config.yaml
(certificates as files in certs/: EC2, a laptop); when the stack runs the ECS worker (worker_* outputs), also
worker-config.ecs.yaml (certificates from the task's DEVO_CHAIN_CRT, DEVO_DOMAIN_CRT, DEVO_DOMAIN_KEY variables).

Relative paths are relative to the folder you run npm from.

Options:
  --devo-region R         us | eu | ca | ap: the region of your Devo domain, whose collector-R.devo.io endpoint the
                          worker config sends to (required, unless --devo-address is given)
  --devo-address HOST     any other Devo (or relay) address
  --out-dir DIR           where to write (default: handoff/)
  --stack NAME            the cdktf stack, when the outputs file holds several
  --state-dir DIR         the worker's state folder (default: /var/lib/aws-devo-collector)
  --metrics-port N        /metrics and /healthz port of the worker (default: 9464)
  --default-credentials   the worker uses its instance/task role directly instead of assuming the stack's role
  --ecs                   write worker-config.ecs.yaml even when the outputs have no worker_* (your own ECS task
                          with the same variables)
  -h, --help              this text
`;

export interface HandoffRun {
  outDir: string;
  files: string[];
  queues: number;
  disabled: string[];
  /** The stack's alarms on the queues and the topic it created for them, when its outputs list them. */
  alarms?: HandoffAlarms;
  /** The ECS worker's next steps (where to put the ECS configuration), when that file was written. */
  ecs?: { configFile: string; configLocation?: string; clusterName?: string; serviceName?: string };
}

/** Writes the three files. Throws {@link HandoffError} for outputs that cannot make a hand-off. */
export async function writeHandoff(
  argv: string[],
  now = new Date(),
  cwd = process.env.INIT_CWD ?? process.cwd(),
): Promise<HandoffRun> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "out-dir": { type: "string", default: "handoff" },
      stack: { type: "string" },
      "devo-region": { type: "string" },
      "devo-address": { type: "string" },
      "state-dir": { type: "string", default: "/var/lib/aws-devo-collector" },
      "metrics-port": { type: "string", default: "9464" },
      "default-credentials": { type: "boolean", default: false },
      ecs: { type: "boolean", default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`expected one outputs file, got ${positionals.length}`);
  const region = values["devo-region"] as keyof typeof DEVO_ENDPOINTS | undefined;
  // Never a silent default: a worker sending an EU domain's events to the US endpoint is refused by Devo.
  if (values["devo-address"] === undefined && region === undefined) {
    throw new UsageError(
      `--devo-region is required: the region of your Devo domain (${Object.keys(DEVO_ENDPOINTS).join(", ")}), or --devo-address HOST`,
    );
  }
  if (region !== undefined && !(region in DEVO_ENDPOINTS)) {
    throw new UsageError(`--devo-region: expected one of ${Object.keys(DEVO_ENDPOINTS).join(", ")}, got '${region}'`);
  }
  const metricsPort = Number(values["metrics-port"]);
  if (!Number.isInteger(metricsPort) || metricsPort < 1 || metricsPort > 65_535) {
    throw new UsageError(`--metrics-port: expected a port number, got '${values["metrics-port"]}'`);
  }

  // `npm run` starts scripts in the project folder; paths are the user's, relative to where npm was run (INIT_CWD).
  const source = resolve(cwd, positionals[0]);
  const handoff = buildHandoff(await readStackOutputs(source, values.stack), source);
  const outDir = resolve(cwd, values["out-dir"]);
  await mkdir(outDir, { recursive: true });
  const common = {
    devoAddress: values["devo-address"] ?? DEVO_ENDPOINTS[region as keyof typeof DEVO_ENDPOINTS],
    stateDir: values["state-dir"],
    metricsPort,
  };
  const files: Record<string, string> = {
    "devo-handoff.md": renderHandoffMarkdown(handoff, now),
    "devo-handoff.json": renderHandoffJson(handoff, now),
    "worker-config.yaml": renderWorkerConfig(handoff, {
      ...common,
      credentials: values["default-credentials"] ? "default-chain" : "role",
      certificates: "files",
    }),
  };
  // A second file rather than a switch: the same run serves the ECS service and an EC2 or laptop worker. The task
  // reads with its task role (self_hosted: no credentials block), and its state folder and metrics port are the
  // task definition's (the only writable volume; the health check's port), whatever --state-dir says for the other.
  const ecs = handoff.ecsWorker !== undefined || values.ecs;
  if (ecs) {
    files[ECS_CONFIG_FILE] = renderWorkerConfig(handoff, {
      devoAddress: common.devoAddress,
      stateDir: WORKER_STATE_DIR,
      metricsPort: WORKER_METRICS_PORT,
      credentials: "default-chain",
      certificates: "env",
    });
  }
  for (const [name, text] of Object.entries(files)) await writeFile(join(outDir, name), text);
  return {
    outDir,
    files: Object.keys(files).map((name) => join(outDir, name)),
    queues: handoff.queues.length,
    disabled: handoff.queues.flatMap((queue) =>
      queue.workerSkips === undefined ? [] : [`${queue.name}: ${queue.workerSkips}`],
    ),
    ...(handoff.alarms === undefined ? {} : { alarms: handoff.alarms }),
    ...(ecs
      ? {
          ecs: {
            configFile: join(outDir, ECS_CONFIG_FILE),
            configLocation: handoff.ecsWorker?.configLocation,
            clusterName: handoff.ecsWorker?.clusterName,
            serviceName: handoff.ecsWorker?.serviceName,
          },
        }
      : {}),
  };
}

/** The ECS task's configuration: certificates from the variables the task definition fills. */
export const ECS_CONFIG_FILE = "worker-config.ecs.yaml";

/** What the platform team should know of the stack's alarms: they are the only sign of a failing pipeline. */
export function alarmsSummary(alarms: HandoffAlarms): string {
  if (alarms.names.length === 0) return "Alarms: none (alarms.enabled is false): failures will be silent.\n";
  const where =
    alarms.topicArn === undefined
      ? "no topic created by the stack (they notify alarms.topic_arns, if any)"
      : `${alarms.topicArn}: each e-mail subscriber must confirm the mail SNS sent`;
  return `Alarms: ${alarms.names.length} on the queues (dead letters, oldest message), notifying ${where}.\n`;
}

export class UsageError extends Error {
  override name = "UsageError";
}

if (import.meta.main && ["--help", "-h"].some((flag) => process.argv.slice(2).includes(flag))) {
  process.stdout.write(HANDOFF_USAGE);
} else if (import.meta.main) {
  writeHandoff(process.argv.slice(2)).then(
    (run) => {
      process.stdout.write(`${run.queues} queue(s) handed off:\n${run.files.map((file) => `  ${file}\n`).join("")}`);
      if (run.ecs !== undefined) {
        const where = run.ecs.configLocation ?? "<worker_config_location>";
        process.stdout.write(
          `ECS worker: put ${run.ecs.configFile} into ${where} (docs/deploy-ecs.md), fill the certificate secrets, then\n` +
            `  aws ecs update-service --cluster ${run.ecs.clusterName ?? "<cluster>"} --service ${run.ecs.serviceName ?? "<service>"} --force-new-deployment\n`,
        );
      }
      if (run.alarms !== undefined) process.stdout.write(alarmsSummary(run.alarms));
      if (run.disabled.length > 0) {
        process.stderr.write(
          `note: inputs written with enabled: false in worker-config.yaml:\n${run.disabled.map((line) => `  ${line}\n`).join("")}`,
        );
      }
    },
    (error: Error) => {
      if (error instanceof HandoffError) process.stderr.write(`${error.message}\n`);
      else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
        process.stderr.write(`${error.message}\n\n${HANDOFF_USAGE}`);
      } else {
        process.stderr.write(`handoff failed: ${error.stack ?? error.message}\n`);
        process.exit(1);
      }
      process.exit(2);
    },
  );
}
