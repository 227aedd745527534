import { dirname, resolve } from "node:path";
import { formatResult } from "../check/check-result.ts";
import { runChecks } from "../check/run-checks.ts";
import { ConfigError } from "../config/load-config.ts";
import type { CommandIo } from "./command-io.ts";
import { loadConfigFromCommandLine } from "./config-command-line.ts";

export const CHECK_USAGE = `Usage: aws-devo-collector check (--config FILE | --config-env NAME) [--certs-dir DIR]

Validates the configuration, then checks the setup against AWS and Devo, one line per check: each input's
identity (GetCallerIdentity through its role chain), each queue (found, readable, dead-letter queue, KMS), each
API service's permission (one cheap call), each output (certificate files and expiry, a TLS handshake with the
client certificate). No message is received and no event is sent.
Exit codes: 0 every check passed (warnings allowed), 1 a check failed, 2 invalid configuration or usage.
`;

/** `aws-devo-collector check`: returns the exit code. */
export async function runCheckCommand(argv: string[], io: CommandIo): Promise<number> {
  const loaded = await loadConfigFromCommandLine("check", argv, io, CHECK_USAGE, ["certs-dir"]);
  if (typeof loaded === "number") return loaded;
  const { config, configPath, source } = loaded;
  // As `run` resolves them: certs/ beside the config's folder (Devo's layout), or --certs-dir.
  const certsDir =
    loaded.options["certs-dir"] ??
    (configPath !== undefined ? resolve(dirname(configPath), "..", "certs") : resolve("certs"));
  let results: Awaited<ReturnType<typeof runChecks>>;
  try {
    results = await runChecks(config, certsDir, source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 2;
  }
  for (const result of results) io.stdout.write(`${formatResult(result)}\n`);
  const failed = results.filter((result) => result.status === "fail").length;
  const warned = results.filter((result) => result.status === "warn").length;
  io.stdout.write(`${results.length} checks: ${failed} failed, ${warned} warnings\n`);
  return failed > 0 ? 1 : 0;
}
