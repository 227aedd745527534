import type { pino } from "pino";
import type { OutputsConfig } from "../config/outputs-schema.ts";
import { ConsoleOutput } from "./console-output.ts";
import { FileOutput } from "./file-output.ts";
import { NetworkOutput } from "./network/network-output.ts";
import { TlsSetupError } from "./network/tls-settings.ts";
import type { OutputWithStats } from "./output-stats.ts";

export interface OutputDeps {
  /** Relative `chain`/`cert`/`key` paths resolve here (Devo's on-premise layout keeps `certs/` beside `config/`). */
  certsDir: string;
  /** The `host` field of Devo lines unless an output sets its own `hostname`. */
  hostname: string;
  logger: pino.Logger;
}

/**
 * Builds every configured output, in config order. Certificates are read and files opened here, so a wrong path
 * or a bad key fails at start-up with the output's config path, never halfway through a run. If one output
 * fails, the ones already built are closed before the error is thrown.
 */
export async function createOutputs(section: OutputsConfig, deps: OutputDeps): Promise<OutputWithStats[]> {
  const outputs: OutputWithStats[] = [];
  const problems: string[] = [];
  try {
    for (const [id, output] of Object.entries(section)) {
      const where = `outputs.${id}`;
      try {
        switch (output.type) {
          case "console":
            outputs.push(
              new ConsoleOutput({
                id,
                format: output.config.format,
                hostname: output.config.hostname ?? deps.hostname,
              }),
            );
            break;
          case "file":
            try {
              outputs.push(
                await FileOutput.open({
                  id,
                  path: output.config.path,
                  format: output.config.format,
                  hostname: output.config.hostname ?? deps.hostname,
                  maxBytes: output.config.max_bytes,
                  maxFiles: output.config.max_files,
                  fsync: output.config.fsync,
                  bufferBytes: output.config.buffer_bytes,
                }),
              );
            } catch (error) {
              throw new Error(`${where}.config.path: cannot open ${output.config.path}: ${(error as Error).message}`, {
                cause: error,
              });
            }
            break;
          case "devo_platform":
          case "syslog":
            outputs.push(new NetworkOutput(id, output.type, output.config, deps));
            break;
        }
      } catch (error) {
        // Every output's problems are collected, so one start reports them all.
        if (error instanceof TlsSetupError) problems.push(...error.problems);
        else throw error;
      }
    }
    if (problems.length > 0) throw new OutputSetupError(problems);
  } catch (error) {
    await Promise.allSettled(outputs.map((output) => output.close()));
    throw error;
  }
  return outputs;
}

/** Outputs that cannot be built as configured (missing or mismatched certificates): a configuration error. */
export class OutputSetupError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}
