#!/usr/bin/env node
import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { CommandIo } from "./cli/command-io.ts";
import { applyRuntimeFlags } from "./cli/runtime-flags.ts";

const USAGE = `aws-devo-collector — AWS logs (S3 + SQS, CloudTrail, CloudWatch) into Devo

Usage:
  aws-devo-collector run (--config FILE | --config-env NAME) [--until-idle] [--certs-dir DIR] [--metrics-port N]
  aws-devo-collector validate (--config FILE | --config-env NAME)
  aws-devo-collector check (--config FILE | --config-env NAME) [--certs-dir DIR]
  aws-devo-collector parse --service NAME [--type TYPE] [--key S3KEY] FILE...
  aws-devo-collector services [--json]
  aws-devo-collector --help | --version

Commands:
  run       collect with a Devo collector configuration (inputs sqs_collector and aws) until stopped
  validate  check a configuration offline and print what would run (queues, APIs, regions, tables)
  check     check the setup against AWS and Devo: identity, queues, permissions, certificates (no data moved)
  parse     read local files exactly as the worker reads S3 objects; one JSON event per line on stdout
  services  list the collection services, their sources, framings and Devo tables

Each command takes --help. Exit codes: 0 done, 1 failed, 2 bad usage or configuration.
`;

const VERSION = "0.1.0";

/** Dispatches a command. Commands load lazily, so `parse` does not pay for the AWS SDK. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return (await import("./cli/run-command.ts")).runRunCommand(rest, io);
    case "check":
      return (await import("./cli/check-command.ts")).runCheckCommand(rest, io);
    case "validate":
      return (await import("./cli/validate-command.ts")).runValidateCommand(rest, io);
    case "parse":
      return (await import("./cli/parse-command.ts")).runParseCommand(rest, io);
    case "services":
      return (await import("./cli/services-command.ts")).runServicesCommand(rest, io);
    case "--version":
    case "version":
      io.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case "--help":
    case "-h":
    case "help":
      io.stdout.write(USAGE);
      return 0;
    default:
      io.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

/** Node.js releases older than this lack APIs the worker uses (and `import.meta.main`). */
const MIN_NODE_MAJOR = 24;

/**
 * Whether this module is the program being run (node, deno or the bundle), not a module a test imported. Node
 * before 24.2 has no `import.meta.main`: there the script's real path is compared with this module's file.
 */
function isProgram(): boolean {
  if (typeof import.meta.main === "boolean") return import.meta.main;
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** The refusal to run on a Node.js too old for the worker, or undefined (Deno reports its own Node version). */
function runtimeProblem(): string | undefined {
  if ("Deno" in globalThis) return undefined;
  const major = Number(process.versions.node.split(".")[0]);
  return major >= MIN_NODE_MAJOR
    ? undefined
    : `aws-devo-collector requires Node.js >= ${MIN_NODE_MAJOR} (found v${process.versions.node})\n`;
}

if (isProgram()) {
  const problem = runtimeProblem();
  if (problem !== undefined) {
    process.stderr.write(problem);
    process.exit(1);
  }
  // A long run's memory bound needs V8 settings the command line may lack: the worker brings its own.
  if (process.argv[2] === "run") applyRuntimeFlags();
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    // Exit explicitly: idle keep-alive sockets of the AWS clients must not hold a finished run open.
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`aws-devo-collector: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
