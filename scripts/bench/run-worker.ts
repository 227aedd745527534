import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { RUNTIME_FLAGS_ENV } from "../../worker/cli/runtime-flags.ts";
import { RUNTIME_NODE_ARGS } from "../build.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../..");

export interface WorkerRun {
  code: number | null;
  wallMs: number;
  peakRssMb: number;
  /** CPU time of the worker (all its threads), as last sampled before it exited. */
  cpuMs: number;
  summary: {
    events: number;
    elapsedMs: number;
    firstWorkAt?: number;
    lastAckAt?: number;
    workAcked: number;
    workFailed: number;
    bytes: number;
  };
  stderr: string;
}

/** Peak resident set so far (VmHWM), in MiB; 0 once the process is gone. */
export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, all threads) the process has used so far, in ms; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at ") "; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on (the kernel's ABI for /proc times). */
const CLOCK_TICKS = 100;

/**
 * The worker as it runs: `BENCH_WORKER=dist/aws-devo-collector.mjs` benches the bundle that ships (`npm run build`),
 * the default the TypeScript source (type stripping adds its transformer's memory and start-up time).
 */
export function workerEntry(): string {
  return resolve(root, process.env.BENCH_WORKER ?? "worker/main.ts");
}

/**
 * How a worker is started. `deployed`: as the Dockerfile, the systemd unit and ECS start it, the runtime flags on
 * node's command line. The others as a user types it from the README, on the TypeScript source, with nothing but
 * what the worker brings itself: `node-cli` (`node worker/main.ts run`, which is what `npx aws-devo-collector run`
 * runs), `deno-cli` (`deno run -A worker/main.ts run`), and each of these two `-as-started`: the worker's restart
 * turned off, i.e. V8's own sizing.
 */
export type WorkerLaunch = "deployed" | "node-cli" | "node-cli-as-started" | "deno-cli" | "deno-cli-as-started";

const SOURCE_ENTRY = resolve(root, "worker/main.ts");
const DENO = resolve(root, "node_modules/.bin/deno");

export function spawnWorker(
  args: string[],
  extraNodeArgs: string[] = [],
  launch: WorkerLaunch = "deployed",
): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" };
  // What each launch measures is decided here, not by the caller's own AWS_DEVO_COLLECTOR_RUNTIME_FLAGS.
  delete env[RUNTIME_FLAGS_ENV];
  const [file, argv] =
    launch === "deployed"
      ? [process.execPath, [...RUNTIME_NODE_ARGS, ...extraNodeArgs, workerEntry(), ...args]]
      : launch.startsWith("deno-cli")
        ? [DENO, ["run", "-A", SOURCE_ENTRY, ...args]]
        : [process.execPath, [...extraNodeArgs, SOURCE_ENTRY, ...args]];
  if (launch.endsWith("-as-started")) env[RUNTIME_FLAGS_ENV] = "off";
  return spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"], env });
}

/**
 * Runs the worker's `run --until-idle` as its own process and samples its peak RSS every 25 ms (VmHWM, so a
 * peak between samples is not missed as long as one sample lands before exit) and its CPU time.
 */
export async function runWorkerUntilIdle(
  config: string,
  summaryFile: string,
  extraNodeArgs: string[] = [],
  launch: WorkerLaunch = "deployed",
): Promise<WorkerRun> {
  const started = performance.now();
  const child = spawnWorker(
    ["run", "--config", config, "--until-idle", "--summary-json", summaryFile],
    extraNodeArgs,
    launch,
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  let peak = 0;
  let cpu = 0;
  const pid = child.pid ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, peakRssMb(pid));
    cpu = cpuMs(pid) ?? cpu;
  }, 25);
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  clearInterval(timer);
  const wallMs = performance.now() - started;
  const summary = JSON.parse(await readFile(summaryFile, "utf8")) as WorkerRun["summary"];
  return { code, wallMs, peakRssMb: peak, cpuMs: cpu, summary, stderr };
}
