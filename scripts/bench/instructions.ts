import { spawn } from "node:child_process";
import { once } from "node:events";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { RUNTIME_NODE_ARGS } from "../build.ts";
import type { BenchObject } from "./datasets.ts";

/**
 * `instructions_ratio`: instructions per event of one worker (through fauxqs into the file output) over the
 * bound's, both counted by `valgrind --tool=callgrind`, which counts work rather than time: this machine's cores
 * drift by up to 1.7x in speed within seconds, instruction counts do not. Each side is net of a run with nothing
 * to do (the worker on empty queues, the bound on an empty dataset), so start-up and module loading cancel out.
 */
export interface CallgrindRun {
  /** Instructions executed by the process, all threads (callgrind's "Collected"). */
  instructions: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * V8 compiles on the thread that runs the code, under callgrind only. valgrind runs one thread at a time, so a
 * compile job on a background thread waits its turn while the main thread goes on interpreting: in the worker, whose
 * libuv threads (gunzip, file writes) also take turns, that was about 4,500 instructions per event of interpreted
 * code even between a 6 and an 18 MB share, which on real cores the compile thread would have cut short. The
 * compiling itself is counted either way.
 */
export const CALLGRIND_V8_ARGS = ["--no-concurrent-recompilation", "--no-concurrent-osr"] as const;

/**
 * Runs `node <args>` (the runtime flags of the deployed worker first, then CALLGRIND_V8_ARGS) under callgrind. With
 * `go`, the process is a bound process: it says `ready` once its data is loaded and starts on a line on stdin.
 */
export async function underCallgrind(
  args: readonly string[],
  outFile: string,
  options: { go?: boolean } = {},
): Promise<CallgrindRun> {
  const child = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      ...RUNTIME_NODE_ARGS,
      ...CALLGRIND_V8_ARGS,
      ...args,
    ],
    {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let stdout = "";
  const exited = once(child, "exit");
  for await (const line of createInterface({ input: child.stdout })) {
    if (options.go && line === "ready") child.stdin.end("go\n");
    else stdout += `${line}\n`;
  }
  if (!options.go) child.stdin.end();
  const [code] = (await exited) as [number | null];
  const collected = /Collected\s*:\s*(\d+)/.exec(stderr);
  if (!collected) throw new Error(`callgrind reported no count (exit ${code}): ${stderr.slice(-800)}`);
  return { instructions: Number(collected[1]), code, stdout, stderr };
}

/** The bound over the dataset written in `dir` (`writeDataset`), as one bound process under callgrind. */
export async function boundUnderCallgrind(dir: string, outFile: string): Promise<CallgrindRun & { events: number }> {
  const script = fileURLToPath(new URL("./bound-processes.ts", import.meta.url));
  const run = await underCallgrind([script, dir, "0", "1"], outFile, { go: true });
  const result = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as { events?: number };
  if (run.code !== 0 || typeof result.events !== "number") {
    throw new Error(`bound under callgrind failed (exit ${run.code}): ${run.stderr.slice(-800)}`);
  }
  return { ...run, events: result.events };
}

export interface NetCount {
  /** Instructions of the run with work. */
  busy: number;
  /** Instructions of the same program with nothing to do. */
  idle: number;
  events: number;
}

export function instructionsPerEvent(count: NetCount): number {
  if (count.events <= 0) throw new Error("instructionsPerEvent: no events");
  return (count.busy - count.idle) / count.events;
}

/** The worker's net instructions per event over the bound's. */
export function instructionsRatio(worker: NetCount, bound: NetCount): number {
  return instructionsPerEvent(worker) / instructionsPerEvent(bound);
}

/** A run's count net of another's (a run with nothing to do, or with less to do), over the events between them. */
export function netOf(busy: { instructions: number }, base: { instructions: number }, events: number): NetCount {
  return { busy: busy.instructions, idle: base.instructions, events };
}

/** A ratio of instructions per event with its two sides, over the worker's `events`. */
export interface NetCountRatio {
  ratio: number;
  worker: number;
  bound: number;
  events: number;
}

export function compareNetCounts(worker: NetCount, bound: NetCount): NetCountRatio {
  return {
    ratio: instructionsRatio(worker, bound),
    worker: instructionsPerEvent(worker),
    bound: instructionsPerEvent(bound),
    events: worker.events,
  };
}

/**
 * A small share of the dataset for the callgrind runs (which run some 50 times slower): whole objects of each
 * queue, in the dataset's own proportions, about `targetBytes` of text in all.
 */
export function instructionSubset(objects: readonly BenchObject[], targetBytes: number): BenchObject[] {
  const total = objects.reduce((sum, o) => sum + o.decompressedBytes, 0);
  const share = Math.min(1, targetBytes / total);
  const picked: BenchObject[] = [];
  const queues = [...new Set(objects.map((o) => o.queue))];
  for (const queue of queues) {
    const ofQueue = objects.filter((o) => o.queue === queue);
    const want = ofQueue.reduce((sum, o) => sum + o.decompressedBytes, 0) * share;
    let taken = 0;
    for (const object of ofQueue) {
      if (taken > 0 && taken + object.decompressedBytes / 2 > want) break;
      picked.push(object);
      taken += object.decompressedBytes;
    }
  }
  return picked;
}
