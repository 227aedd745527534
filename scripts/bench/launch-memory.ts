import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { announceObjects } from "./announce.ts";
import { countLines } from "./count-lines.ts";
import { runWorkerUntilIdle, type WorkerLaunch } from "./run-worker.ts";

export interface LaunchMemory {
  launch: WorkerLaunch;
  peakRssMb: number;
  eventsPerSecond: number;
  /** The worker's own span of work, first message to last acknowledgement. */
  elapsedMs: number;
  delivered: number;
  problem?: string;
}

/**
 * The large object read once per way of starting the worker, so the memory bound is shown to hold however it is
 * started, not only as deployed: each run gets the object announced on the same queue and must deliver every
 * record.
 */
export async function measureLaunchMemory(options: {
  sqs: SQSClient;
  queueUrl: string;
  object: { key: string; size: number; records: number };
  /** Writes the worker configuration of one run (file output `<name>.jsonl` in `dir`) and returns its path. */
  config: (name: string) => Promise<string>;
  dir: string;
  launches: readonly WorkerLaunch[];
}): Promise<LaunchMemory[]> {
  const results: LaunchMemory[] = [];
  for (const launch of options.launches) {
    const name = `large-${launch}`;
    await announceObjects(options.sqs, options.queueUrl, [{ key: options.object.key, size: options.object.size }]);
    const run = await runWorkerUntilIdle(
      await options.config(name),
      resolve(options.dir, `${name}-summary.json`),
      [],
      launch,
    );
    const output = resolve(options.dir, `${name}.jsonl`);
    const delivered = await countLines(output);
    await rm(output, { force: true });
    const problem =
      run.code !== 0
        ? `worker exited ${run.code}: ${run.stderr.slice(-1000)}`
        : delivered < options.object.records
          ? `${delivered} events delivered, expected ${options.object.records}`
          : undefined;
    results.push({
      launch,
      peakRssMb: run.peakRssMb,
      eventsPerSecond: run.summary.events / (run.summary.elapsedMs / 1000),
      elapsedMs: run.summary.elapsedMs,
      delivered,
      ...(problem === undefined ? {} : { problem }),
    });
  }
  return results;
}
