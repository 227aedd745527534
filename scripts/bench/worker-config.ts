import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { stringify } from "yaml";
import { BENCH, type BenchQueue } from "./fauxqs-process.ts";

export interface BenchConfigOptions {
  dir: string;
  name: string;
  endpoint: string;
  queueUrls: Record<BenchQueue, string>;
  /** Queues read (each by its own service); default all. */
  queues?: BenchQueue[];
  outputs: Record<string, unknown>;
  /** Extra keys of each `sqs_collector` input (e.g. `sqs_wait_timeout`). */
  input?: Record<string, unknown>;
  globals?: Record<string, unknown>;
}

/** Writes a Devo-style collector config for one bench run and returns its path. */
export async function writeBenchConfig(options: BenchConfigOptions): Promise<string> {
  const queues = options.queues ?? (Object.keys(BENCH.queues) as BenchQueue[]);
  // One `sqs_collector` input per queue, as Devo's collector config has it (the queue is the input's base_url).
  const inputs = Object.fromEntries(
    queues.map((queue) => [
      `sqs_${queue}`,
      {
        type: "sqs_collector",
        id: queue,
        enabled: true,
        region: BENCH.region,
        base_url: options.queueUrls[queue],
        endpoint_url: options.endpoint,
        s3_force_path_style: true,
        credentials: {
          aws_access_key_id: BENCH.credentials.accessKeyId,
          aws_secret_access_key: BENCH.credentials.secretAccessKey,
        },
        services: { [BENCH.services[queue]]: {} },
        sqs_wait_timeout: 1,
        ...options.input,
      },
    ]),
  );
  const path = resolve(options.dir, `${options.name}.yaml`);
  await writeFile(
    path,
    stringify({
      globals: { name: `bench-${options.name}`, shutdown_grace_seconds: 10, ...options.globals },
      outputs: options.outputs,
      inputs,
    }),
  );
  return path;
}

export function fileOutput(dir: string, name: string) {
  return { file_1: { type: "file", config: { path: resolve(dir, `${name}.jsonl`), format: "jsonl" } } };
}
