/**
 * `npm run bench`: the worker against the hardware bound. The bundle that ships is built and run (set
 * BENCH_WORKER=worker/main.ts to run the TypeScript source instead). fauxqs runs as its own process; generated
 * CloudTrail (~10:1 gzip), VPC Flow Logs and ALB files (≥ 200 MB of text in all) are uploaded and announced on
 * one queue per type; the worker runs `--until-idle` into a file output, alone and as two processes; the bound (one
 * thread, same bytes, no I/O) runs in a process of its own, alone and as two processes at once (the machine's
 * scaling ceiling for this work), in rounds so that each worker run is read against the runs on either side of
 * it; then per-format parse throughput, output lines/s into a plain TLS sink and into syslog-ng, peak memory on a
 * streamed 1 GB object (as deployed, then started as the README says, under Node and Deno), delivery latency at
 * idle, and objects/s on many small objects. Prints a table and, last,
 * one JSON line. Two figures count work rather than time, as this machine's cores drift in speed: the worker's
 * instructions per event over the bound's, under callgrind on a small share of the dataset (`instructions_ratio`;
 * `instructions_ratio_marginal`: between that share and one three times larger, where one-off costs cancel),
 * and CPU per event of two workers over one's (`scaling_cpu_ratio`). Environment: BENCH_MB (default 240),
 * BENCH_LARGE_MB (1024), BENCH_ROUNDS (3), BENCH_SMALL_OBJECTS (2000), BENCH_INSTRUCTIONS_MB (6; 0 skips the
 * callgrind runs), BENCH_LAUNCHES (0 skips the 1 GB object's CLI launches), BENCH_PROFILE (1: CPU profiles of the
 * worker runs in bench-output/profiles).
 */
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { announceObjects } from "./bench/announce.ts";
import { measureBoundProcesses, writeDataset } from "./bench/bound-processes.ts";
import { gcInstructions, majorGcs, readCallGraph } from "./bench/callgrind-calls.ts";
import { countLines } from "./bench/count-lines.ts";
import { cpuScaling } from "./bench/cpu-scaling.ts";
import {
  type BenchObject,
  cloudTrailObjects,
  lineLogObjects,
  putLargeCloudTrailObject,
  putObjects,
} from "./bench/datasets.ts";
import { BENCH, type BenchQueue, startFauxqsProcess } from "./bench/fauxqs-process.ts";
import {
  boundUnderCallgrind,
  compareNetCounts,
  instructionSubset,
  type NetCountRatio,
  netOf,
  underCallgrind,
} from "./bench/instructions.ts";
import { measureIdleLatency, median, percentile } from "./bench/latency.ts";
import { measureLaunchMemory } from "./bench/launch-memory.ts";
import { benchDevoOutput } from "./bench/output-throughput.ts";
import { againstNeighbours } from "./bench/paired-rounds.ts";
import { measurePerFormat } from "./bench/per-format.ts";
import { runWorkerUntilIdle, type WorkerLaunch, workerEntry } from "./bench/run-worker.ts";
import { measureSmallObjects } from "./bench/small-objects.ts";
import { fileOutput, writeBenchConfig } from "./bench/worker-config.ts";
import { buildBundle, RUNTIME_NODE_ARGS } from "./build.ts";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const dir = resolve(root, "bench-output");
const MB = 1024 * 1024;
const DATASET_MB = Number(process.env.BENCH_MB ?? 240);
const LARGE_MB = Number(process.env.BENCH_LARGE_MB ?? 1024);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const LATENCY_SAMPLES = 25;
const SMALL_OBJECTS = Number(process.env.BENCH_SMALL_OBJECTS ?? 2000);
const INSTRUCTIONS_MB = Number(process.env.BENCH_INSTRUCTIONS_MB ?? 6);
const LARGE_KEY = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/large.json.gz";
/** The ways of starting the worker the large object is read again with, besides as deployed. */
const LAUNCHES: readonly WorkerLaunch[] = ["node-cli", "node-cli-as-started", "deno-cli", "deno-cli-as-started"];
const LAUNCH_LABELS: Record<WorkerLaunch, string> = {
  deployed: "as deployed (node --max-semi-space-size=16)",
  "node-cli": "node worker/main.ts run (npx aws-devo-collector run)",
  "node-cli-as-started": "node worker/main.ts run, its restart turned off (V8's own sizing)",
  "deno-cli": "deno run -A worker/main.ts run",
  "deno-cli-as-started": "deno run -A worker/main.ts run, its restart turned off",
};

function log(line: string) {
  process.stderr.write(`${line}\n`);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  if (process.env.BENCH_WORKER === undefined) {
    const bundle = await buildBundle();
    process.env.BENCH_WORKER = relative(root, bundle.path);
    log(`built ${process.env.BENCH_WORKER} (${(bundle.bytes / MB).toFixed(2)} MiB)`);
  }
  const aws = await startFauxqsProcess();
  const s3 = new S3Client({
    region: BENCH.region,
    endpoint: aws.endpoint,
    forcePathStyle: true,
    credentials: BENCH.credentials,
  });
  const sqs = new SQSClient({ region: BENCH.region, endpoint: aws.endpoint, credentials: BENCH.credentials });
  const rows: [string, string][] = [];
  const failures: string[] = [];
  const config = (
    name: string,
    outputs: Record<string, unknown>,
    extra: { queues?: BenchQueue[]; input?: Record<string, unknown> } = {},
  ) => writeBenchConfig({ dir, name, endpoint: aws.endpoint, queueUrls: aws.queueUrls, outputs, ...extra });
  try {
    log(`fauxqs (own process, pid ${aws.pid}) at ${aws.endpoint}; worker ${workerEntry()}`);
    rows.push(["worker", relative(root, workerEntry())]);

    // ---- Dataset: CloudTrail two thirds, VPC Flow Logs and ALB a sixth each.
    let t = performance.now();
    const objects: BenchObject[] = [
      ...cloudTrailObjects((DATASET_MB * MB * 2) / 3),
      ...lineLogObjects("vpc", (DATASET_MB * MB) / 6),
      ...lineLogObjects("alb", (DATASET_MB * MB) / 6),
    ];
    const sum = (f: (o: BenchObject) => number, queue?: BenchQueue) =>
      objects.filter((o) => queue === undefined || o.queue === queue).reduce((s, o) => s + f(o), 0);
    const decompressed = sum((o) => o.decompressedBytes);
    const records = sum((o) => o.records);
    const describe = (queue: BenchQueue) =>
      `${queue} ${objects.filter((o) => o.queue === queue).length} files, ${fmt(sum((o) => o.records, queue))} events, ${(sum((o) => o.decompressedBytes, queue) / MB).toFixed(0)} MB (gzip ${(sum((o) => o.decompressedBytes, queue) / sum((o) => o.body.byteLength, queue)).toFixed(1)}:1)`;
    log(`generated ${objects.length} objects in ${seconds(performance.now() - t)}`);
    t = performance.now();
    await putObjects(s3, objects);
    log(`uploaded in ${seconds(performance.now() - t)}`);
    const datasetDir = resolve(dir, "dataset");
    await writeDataset(datasetDir, objects);
    const measureBound = async (processes: number) => {
      const bound = await measureBoundProcesses(datasetDir, processes);
      if (bound.events !== records)
        failures.push(`bound (${processes} processes) produced ${bound.events} events, expected ${records}`);
      return bound;
    };
    rows.push(["dataset", `${fmt(records)} events, ${(decompressed / MB).toFixed(0)} MB of text`]);
    for (const queue of Object.keys(BENCH.queues) as BenchQueue[]) rows.push(["", describe(queue)]);

    const announceAll = async () => {
      for (const queue of Object.keys(BENCH.queues) as BenchQueue[]) {
        const group = objects.filter((o) => o.queue === queue);
        await announceObjects(
          sqs,
          aws.queueUrls[queue],
          group.map((o) => ({ key: o.key, size: o.body.byteLength })),
        );
      }
    };

    /** `workers` processes on the same queues until idle; throughput over the span in which work was done. */
    const runWorkers = async (name: string, workers: number) => {
      await announceAll();
      const configs = await Promise.all(
        Array.from({ length: workers }, (_, i) => config(`${name}-${i}`, fileOutput(dir, `${name}-${i}`))),
      );
      // BENCH_PROFILE=1: a V8 CPU profile of every worker process, in bench-output/profiles.
      const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${resolve(dir, "profiles")}`] : [];
      const runs = await Promise.all(
        configs.map((cfg, i) => runWorkerUntilIdle(cfg, resolve(dir, `${name}-${i}-summary.json`), profile)),
      );
      for (const run of runs)
        if (run.code !== 0) failures.push(`${name}: worker exited ${run.code}: ${run.stderr.slice(-1000)}`);
      let delivered = 0;
      for (let i = 0; i < workers; i++) {
        delivered += await countLines(resolve(dir, `${name}-${i}.jsonl`));
        await rm(resolve(dir, `${name}-${i}.jsonl`), { force: true });
      }
      if (delivered < records) failures.push(`${name}: ${delivered} events delivered, expected ${records}`);
      const events = runs.reduce((s, r) => s + r.summary.events, 0);
      const firsts = runs.map((r) => r.summary.firstWorkAt).filter((v) => v !== undefined);
      const lasts = runs.map((r) => r.summary.lastAckAt).filter((v) => v !== undefined);
      const activeMs = Math.max(...lasts) - Math.min(...firsts);
      const untilIdleMs = Math.max(...runs.map((r) => r.summary.elapsedMs));
      return {
        events,
        /** Cores the worker processes kept busy while they ran (main thread, zlib and GC threads). */
        cores: runs.reduce((s, r) => s + r.cpuMs, 0) / Math.max(...runs.map((r) => r.wallMs)),
        duplicates: delivered - records,
        activeMs,
        untilIdleMs,
        eps: events / (activeMs / 1000),
        peak: Math.max(...runs.map((r) => r.peakRssMb)),
        cpu: {
          cpuSeconds: runs.reduce((s, r) => s + r.cpuMs, 0) / 1000,
          eventsByWorker: runs.map((r) => r.summary.events),
        },
      };
    };

    // ---- Rounds of: the bound, one worker, two bound processes at once, two workers; then a last bound and
    // one worker. Every worker run is read against the runs of its kind on either side of it (againstNeighbours)
    // and a target's figure is the median over rounds: the machine's speed drifts by up to ±30% within a minute.
    // A worker with nothing to do (start-up, polls of empty queues, exit): its CPU is taken off each worker
    // process's in scaling_cpu_ratio, as two workers pay it twice. Median of three.
    const idleCpuMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const idle = await runWorkerUntilIdle(
        await config(`idle-${i}`, fileOutput(dir, `idle-${i}`)),
        resolve(dir, `idle-${i}-summary.json`),
      );
      if (idle.code !== 0) failures.push(`idle worker exited ${idle.code}: ${idle.stderr.slice(-1000)}`);
      idleCpuMs.push(idle.cpuMs);
    }
    const idleCpuSeconds = median(idleCpuMs) / 1000;
    log(`worker with nothing to do: ${idleCpuMs.map((ms) => ms.toFixed(0)).join(", ")} ms of CPU`);
    type Run = Awaited<ReturnType<typeof runWorkers>>;
    const bound: number[] = [];
    const ones: Run[] = [];
    const twoBound: number[] = [];
    const twos: Run[] = [];
    for (let round = 1; round <= ROUNDS + 1; round++) {
      bound.push((await measureBound(1)).eventsPerSecond);
      ones.push(await runWorkers(`one-worker-${round}`, 1));
      if (round > ROUNDS) break;
      twoBound.push((await measureBound(2)).eventsPerSecond);
      twos.push(await runWorkers(`two-workers-${round}`, 2));
      log(
        `round ${round}: bound ${fmt(bound[round - 1])}, one worker ${fmt(ones[round - 1].eps)}, two bound processes ${fmt(twoBound[round - 1])}, two workers ${fmt(twos[round - 1].eps)} events/s`,
      );
    }
    log(`closing: bound ${fmt(bound[ROUNDS])}, one worker ${fmt(ones[ROUNDS].eps)} events/s`);
    const oneEps = ones.map((run) => run.eps);
    const ratios = againstNeighbours(oneEps.slice(0, ROUNDS), bound);
    const ceilings = againstNeighbours(twoBound, bound);
    const scalings = againstNeighbours(
      twos.map((run) => run.eps),
      oneEps,
    );
    const ratio = median(ratios);
    const ceiling = median(ceilings);
    const scaling = median(scalings);
    const best = (runs: Run[]) => runs.reduce((a, b) => (b.eps > a.eps ? b : a));
    const one = best(ones);
    const two = best(twos);
    const boundEps = Math.max(...bound);
    const twoBoundEps = Math.max(...twoBound);
    const perRound = (values: number[]) => values.map((v) => v.toFixed(2)).join(", ");
    const cpu = cpuScaling(
      ones.map((run) => run.cpu),
      twos.map((run) => run.cpu),
      idleCpuSeconds,
    );
    const maxDuplicates = Math.max(...twos.map((run) => run.duplicates));
    rows.push([
      "bound (1 thread, no I/O, own process)",
      `${fmt(boundEps)} events/s, ${(decompressed / MB / (records / boundEps)).toFixed(1)} MB/s (best of ${bound.length})`,
    ]);
    // The same bound measured again and again: how much the machine itself drifted during this run. Above 10%
    // or so, the rounds scatter and a median can land on either side of a target.
    const slowestBoundEps = Math.min(...bound);
    const drift = boundEps / slowestBoundEps - 1;
    rows.push([
      "machine drift (bound runs)",
      `${fmt(slowestBoundEps)} to ${fmt(boundEps)} events/s: ${(drift * 100).toFixed(0)}%${drift > 0.1 ? " (figures below are uncertain)" : ""}`,
    ]);
    const oneMbps = decompressed / MB / (one.activeMs / 1000);
    rows.push([
      "1 worker → file",
      `${fmt(one.eps)} events/s, ${oneMbps.toFixed(1)} MB/s over ${seconds(one.activeMs)} of work (${seconds(one.untilIdleMs)} until idle), ${one.cores.toFixed(2)} cores busy, peak RSS ${one.peak.toFixed(0)} MB (best of ${ones.length})`,
    ]);
    rows.push([
      "ratio to bound",
      `${ratio.toFixed(2)} (median; each round against the bounds on either side: ${perRound(ratios)})`,
    ]);
    rows.push([
      "bound, 2 processes at once",
      `${fmt(twoBoundEps)} events/s (best); ${ceiling.toFixed(2)}× one (median of ${perRound(ceilings)}): this machine's scaling ceiling for the work`,
    ]);
    rows.push([
      "2 workers → 2 files",
      `${fmt(two.eps)} events/s (best), ${two.cores.toFixed(2)} cores busy of ${availableParallelism()}, duplicates ${two.duplicates}, peak RSS ${two.peak.toFixed(0)} MB each at most`,
    ]);
    rows.push([
      "scaling, 2 workers to 1",
      `${scaling.toFixed(2)}× (median; each round against the single workers on either side: ${perRound(scalings)}), the ceiling ${ceiling.toFixed(2)}×`,
    ]);

    rows.push([
      "CPU per event, 2 workers to 1",
      `${cpu.ratio.toFixed(3)} (scaling_cpu_ratio, median; each round against the single workers on either side: ${cpu.rounds.map((r) => r.toFixed(3)).join(", ")}); net of ${(idleCpuSeconds * 1000).toFixed(0)} ms of CPU per worker process with nothing to do; smallest share of one worker ${(cpu.smallestShare * 100).toFixed(0)}%, duplicates ${maxDuplicates} at most`,
    ]);

    // ---- Instructions per event under callgrind, worker over bound, each net of a run with nothing to do
    // (instructions_ratio, as issue 21 defines it), and the same between a small and a three times larger share of
    // the dataset (instructions_ratio_marginal): one-off costs (V8 compiling, the first major GC) cancel out there.
    let instructions:
      | (NetCountRatio & {
          marginal: NetCountRatio;
          fullGcs: { worker: number[]; bound: number[] };
          withoutGc: NetCountRatio & { marginal: NetCountRatio };
          gcPerEvent: { worker: number; bound: number };
        })
      | undefined;
    if (INSTRUCTIONS_MB > 0) {
      t = performance.now();
      const shares = [INSTRUCTIONS_MB, 3 * INSTRUCTIONS_MB].map((mb, i) => {
        const subset = instructionSubset(objects, mb * MB);
        return { subset, records: subset.reduce((s, o) => s + o.records, 0), dir: resolve(dir, `instructions-${i}`) };
      });
      const emptyDir = resolve(dir, "instructions-empty");
      for (const share of shares) await writeDataset(share.dir, share.subset);
      await writeDataset(emptyDir, []);
      const [boundIdle, ...boundBusy] = await Promise.all([
        boundUnderCallgrind(emptyDir, resolve(dir, "callgrind.bound-idle.out")),
        ...shares.map((share, i) => boundUnderCallgrind(share.dir, resolve(dir, `callgrind.bound-${i}.out`))),
      ]);
      const workerRun = async (name: string, subset: readonly BenchObject[]) => {
        for (const queue of Object.keys(BENCH.queues) as BenchQueue[]) {
          const group = subset.filter((o) => o.queue === queue);
          if (group.length > 0)
            await announceObjects(
              sqs,
              aws.queueUrls[queue],
              group.map((o) => ({ key: o.key, size: o.body.byteLength })),
            );
        }
        const summary = resolve(dir, `${name}-summary.json`);
        const cfg = await config(name, fileOutput(dir, name));
        const run = await underCallgrind(
          [workerEntry(), "run", "--config", cfg, "--until-idle", "--summary-json", summary],
          resolve(dir, `callgrind.${name}.out`),
        );
        if (run.code !== 0) failures.push(`${name}: worker exited ${run.code}: ${run.stderr.slice(-1000)}`);
        const delivered = await countLines(resolve(dir, `${name}.jsonl`));
        await rm(resolve(dir, `${name}.jsonl`), { force: true });
        return { ...run, delivered };
      };
      const workerIdle = await workerRun("instructions-idle", []);
      const workerBusy: Awaited<ReturnType<typeof workerRun>>[] = [];
      for (const [i, share] of shares.entries())
        workerBusy.push(await workerRun(`instructions-worker-${i}`, share.subset));
      shares.forEach((share, i) => {
        if (workerBusy[i].delivered !== share.records)
          failures.push(`instructions: worker delivered ${workerBusy[i].delivered} events, expected ${share.records}`);
        if (boundBusy[i].events !== share.records)
          failures.push(`instructions: bound read ${boundBusy[i].events} events, expected ${share.records}`);
      });
      const extraEvents = shares[1].records - shares[0].records;
      // Each callgrind file is read once for what the bench prints of it. A full GC of the worker's heap is a one-off
      // as large as thousands of events: whether one falls in a run decides much of instructions_ratio, so each
      // run's count of them is printed with it. The same runs are also counted without V8's heap management (the
      // collectors and the allocation slow paths that start them, on every thread; callgrind-calls.ts): where each
      // side's full GCs fall moves instructions_ratio by more than the target's margin, on either side.
      const countsOf = async (names: string[]) => {
        const runs = [];
        for (const name of names) {
          const graph = await readCallGraph(resolve(dir, `callgrind.${name}.out`));
          runs.push({ fullGcs: majorGcs(graph), ...gcInstructions(graph) });
        }
        return runs;
      };
      const workerGc = await countsOf(["instructions-idle", ...shares.map((_, i) => `instructions-worker-${i}`)]);
      const boundGc = await countsOf(["bound-idle", ...shares.map((_, i) => `bound-${i}`)]);
      const fullGcs = { worker: workerGc.map((run) => run.fullGcs), bound: boundGc.map((run) => run.fullGcs) };
      const outsideGc = (run: { total: number; gc: number }) => ({ instructions: run.total - run.gc });
      const withoutGc = {
        ...compareNetCounts(
          netOf(outsideGc(workerGc[1]), outsideGc(workerGc[0]), workerBusy[0].delivered),
          netOf(outsideGc(boundGc[1]), outsideGc(boundGc[0]), boundBusy[0].events),
        ),
        marginal: compareNetCounts(
          netOf(outsideGc(workerGc[2]), outsideGc(workerGc[1]), extraEvents),
          netOf(outsideGc(boundGc[2]), outsideGc(boundGc[1]), extraEvents),
        ),
      };
      const gcPerEvent = {
        worker: (workerGc[1].gc - workerGc[0].gc) / workerBusy[0].delivered,
        bound: (boundGc[1].gc - boundGc[0].gc) / boundBusy[0].events,
      };
      instructions = {
        fullGcs,
        withoutGc,
        gcPerEvent,
        ...compareNetCounts(
          netOf(workerBusy[0], workerIdle, workerBusy[0].delivered),
          netOf(boundBusy[0], boundIdle, boundBusy[0].events),
        ),
        // The larger share net of the smaller one.
        marginal: compareNetCounts(
          netOf(workerBusy[1], workerBusy[0], extraEvents),
          netOf(boundBusy[1], boundBusy[0], extraEvents),
        ),
      };
      log(`callgrind runs in ${seconds(performance.now() - t)}`);
      rows.push([
        "instructions per event, worker to bound",
        `${instructions.ratio.toFixed(3)} (instructions_ratio; ${fmt(instructions.worker)} against ${fmt(instructions.bound)} per event, net of runs with nothing to do, ${fmt(shares[0].records)} events, ${shares[0].subset.length} objects)`,
      ]);
      rows.push([
        "  the same, once started (marginal)",
        `${instructions.marginal.ratio.toFixed(3)} (instructions_ratio_marginal; ${fmt(instructions.marginal.worker)} against ${fmt(instructions.marginal.bound)} per event over the ${fmt(extraEvents)} events a ${3 * INSTRUCTIONS_MB} MB share reads more than the ${INSTRUCTIONS_MB} MB one)`,
      ]);
      rows.push([
        "  full GCs in those runs",
        `worker ${fullGcs.worker.join(", ")}, bound ${fullGcs.bound.join(", ")} (with nothing to do, ${INSTRUCTIONS_MB} MB, ${3 * INSTRUCTIONS_MB} MB)`,
      ]);
      rows.push([
        "  V8's GC in those runs, per event",
        `worker ${fmt(gcPerEvent.worker)}, bound ${fmt(gcPerEvent.bound)} (net of the runs with nothing to do, ${fmt(shares[0].records)} events)`,
      ]);
      rows.push([
        "  without V8's GC",
        `${withoutGc.ratio.toFixed(3)} (instructions_ratio_without_gc; ${fmt(withoutGc.worker)} against ${fmt(withoutGc.bound)} per event); marginal ${withoutGc.marginal.ratio.toFixed(3)} (${fmt(withoutGc.marginal.worker)} against ${fmt(withoutGc.marginal.bound)})`,
      ]);
    }

    // ---- Per-format parse throughput (one thread, decompression included).
    const parseAgainstBefore: Record<string, number> = {};
    for (const figure of await measurePerFormat()) {
      if (figure.events !== figure.expectedEvents)
        failures.push(`${figure.format}: ${figure.events} events parsed, expected ${figure.expectedEvents}`);
      const paired = figure.againstBefore;
      if (paired) parseAgainstBefore[figure.service] = Number(paired.median.toFixed(2));
      rows.push([
        `parse ${figure.format}`,
        `${figure.mbPerSecond.toFixed(0)} MB/s, ${fmt(figure.eventsPerSecond)} events/s${
          paired
            ? `; ${paired.median.toFixed(2)}× the reading before point 3 (median of each pass against the "before" pass next to it: ${paired.pairs.map((r) => r.toFixed(2)).join(", ")})`
            : ""
        }`,
      ]);
    }

    // ---- Output lines/s over mutual TLS on loopback (300-byte messages, the default output settings).
    const outputs: Record<string, number> = {};
    for (const into of ["tls-sink", "syslog-ng"] as const) {
      const result = await benchDevoOutput({ into, events: 300_000 });
      outputs[into] = result.linesPerSecond;
      rows.push([
        `devo_platform → ${into === "tls-sink" ? "plain TLS sink" : "syslog-ng"}`,
        `${fmt(result.linesPerSecond)} lines/s, ${result.megabytesPerSecond} MB/s (${fmt(result.events)} lines)`,
      ]);
    }

    // ---- One large object: memory stays bounded while it streams.
    t = performance.now();
    const large = await putLargeCloudTrailObject(s3, LARGE_KEY, LARGE_MB * MB);
    log(
      `large object: ${(large.decompressed / MB).toFixed(0)} MB JSON, ${(large.compressed / MB).toFixed(0)} MB gzip, ${large.records} records, streamed up in ${seconds(performance.now() - t)}`,
    );
    // Read as deployed, then again with the worker started as the README says (BENCH_LAUNCHES=0 skips those).
    const launchMemory = await measureLaunchMemory({
      sqs,
      queueUrl: aws.queueUrl,
      object: { key: LARGE_KEY, size: large.compressed, records: large.records },
      config: (name) => config(name, fileOutput(dir, name), { queues: ["cloudtrail"] }),
      dir,
      launches: ["deployed", ...(process.env.BENCH_LAUNCHES === "0" ? [] : LAUNCHES)],
    });
    for (const run of launchMemory) {
      if (run.problem !== undefined) failures.push(`large, ${run.launch}: ${run.problem}`);
    }
    const [largeRun, ...cliRuns] = launchMemory;
    rows.push([
      `1 object of ${(large.decompressed / MB).toFixed(0)} MB`,
      `peak RSS ${largeRun.peakRssMb.toFixed(0)} MB, ${fmt(largeRun.eventsPerSecond)} events/s, ${seconds(largeRun.elapsedMs)}`,
    ]);
    for (const run of cliRuns) {
      rows.push([
        `  started: ${LAUNCH_LABELS[run.launch]}`,
        `peak RSS ${run.peakRssMb.toFixed(0)} MB, ${fmt(run.eventsPerSecond)} events/s`,
      ]);
    }

    // ---- Latency at idle: a long-polling worker, one small object at a time.
    const latencyConfig = await config(
      "latency",
      { console_1: { type: "console", config: { format: "jsonl" } } },
      { queues: ["cloudtrail"], input: { sqs_wait_timeout: 20 } },
    );
    const latencies = await measureIdleLatency(s3, sqs, aws.queueUrl, latencyConfig, LATENCY_SAMPLES);
    const latencyMedian = median(latencies);
    rows.push([
      "idle latency (50 events/object)",
      `median ${latencyMedian.toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms over ${latencies.length}`,
    ]);

    // ---- Small objects: the per-object cost (receive, GetObject, delete) rather than parsing.
    const small = await measureSmallObjects(
      s3,
      sqs,
      aws.queueUrl,
      await config("small", fileOutput(dir, "small"), { queues: ["cloudtrail"] }),
      resolve(dir, "small-summary.json"),
      SMALL_OBJECTS,
    );
    if (small.run.code !== 0) failures.push(`small: worker exited ${small.run.code}: ${small.run.stderr.slice(-1000)}`);
    const smallDelivered = await countLines(resolve(dir, "small.jsonl"));
    if (smallDelivered < small.records)
      failures.push(`small: ${smallDelivered} events delivered, expected ${small.records}`);
    await rm(resolve(dir, "small.jsonl"), { force: true });
    rows.push([
      `${fmt(small.objects)} small objects (${fmt(small.records / small.objects)} events each)`,
      `${fmt(small.objectsPerSecond)} objects/s, ${small.cpuMsPerObject.toFixed(2)} ms of worker CPU per object (start-up included)`,
    ]);

    const targets: [string, boolean][] = [
      [`1 worker ≥ 0.8 × bound (${ratio.toFixed(2)})`, ratio >= 0.8],
      [`2 workers ≥ 1.5 × 1 (${scaling.toFixed(2)}; two bound processes: ${ceiling.toFixed(2)})`, scaling >= 1.5],
      [
        `${(large.decompressed / MB).toFixed(0)} MB object < 256 MB RSS (${largeRun.peakRssMb.toFixed(0)})`,
        largeRun.peakRssMb < 256,
      ],
      [`idle latency median ≤ 100 ms (${latencyMedian.toFixed(1)})`, latencyMedian <= 100],
      // Issue 21's targets, which count work (instructions, CPU seconds) or pair passes next to each other in time.
      ...(instructions === undefined
        ? []
        : [
            [`instructions_ratio ≤ 1.03 (${instructions.ratio.toFixed(3)})`, instructions.ratio <= 1.03] as [
              string,
              boolean,
            ],
          ]),
      [
        `scaling_cpu_ratio ≤ 1.05, both workers taking part, no duplicates (${cpu.ratio.toFixed(3)}; smallest share ${(cpu.smallestShare * 100).toFixed(0)}%, duplicates ${maxDuplicates})`,
        cpu.ratio <= 1.05 && cpu.smallestShare > 0 && maxDuplicates === 0,
      ],
      ...(parseAgainstBefore.aws_sqs_cloudtrail === undefined
        ? []
        : [
            [
              `CloudTrail parse ≥ 1.5 × before point 3 (${parseAgainstBefore.aws_sqs_cloudtrail.toFixed(2)}, median of paired passes)`,
              parseAgainstBefore.aws_sqs_cloudtrail >= 1.5,
            ] as [string, boolean],
          ]),
      ...cliRuns
        .filter((run) => !run.launch.endsWith("-as-started"))
        .map((run): [string, boolean] => [
          `same object < 256 MB RSS started ${LAUNCH_LABELS[run.launch]} (${run.peakRssMb.toFixed(0)})`,
          run.peakRssMb < 256,
        ]),
    ];
    for (const [name, met] of targets) rows.push([`target: ${name}`, met ? "met" : "MISSED"]);

    process.stdout.write(`\n${"measure".padEnd(52)} result\n${"-".repeat(120)}\n`);
    for (const [name, value] of rows) process.stdout.write(`${name.padEnd(52)} ${value}\n`);
    for (const failure of failures) process.stdout.write(`FAILED CHECK: ${failure}\n`);
    process.stdout.write(
      `${JSON.stringify({
        events_per_s: Math.round(one.eps),
        mb_per_s: Number(oneMbps.toFixed(1)),
        bound_events_per_s: Math.round(boundEps),
        bound_drift: Number(drift.toFixed(3)),
        ratio: Number(ratio.toFixed(3)),
        ratio_rounds: ratios.map((r) => Number(r.toFixed(3))),
        peak_rss_mb: Number(largeRun.peakRssMb.toFixed(1)),
        peak_rss_mb_by_launch: Object.fromEntries(
          LAUNCHES.map((launch) => {
            const run = cliRuns.find((r) => r.launch === launch);
            return [launch.replaceAll("-", "_"), run === undefined ? null : Number(run.peakRssMb.toFixed(1))];
          }),
        ),
        workers: {
          one_events_per_s: Math.round(one.eps),
          two_events_per_s: Math.round(two.eps),
          scaling: Number(scaling.toFixed(2)),
          scaling_rounds: scalings.map((r) => Number(r.toFixed(2))),
          bound_two_processes_events_per_s: Math.round(twoBoundEps),
          machine_scaling_ceiling: Number(ceiling.toFixed(2)),
        },
        output_lines_per_s: { tls_sink: outputs["tls-sink"], syslog_ng: outputs["syslog-ng"] },
        idle_latency_median_ms: Number(latencyMedian.toFixed(1)),
        small_objects_per_s: Math.round(small.objectsPerSecond),
        small_object_cpu_ms: Number(small.cpuMsPerObject.toFixed(2)),
        parse_against_before: parseAgainstBefore,
        instructions_ratio: instructions ? Number(instructions.ratio.toFixed(3)) : null,
        instructions_per_event: instructions
          ? {
              worker: Math.round(instructions.worker),
              bound: Math.round(instructions.bound),
              events: instructions.events,
            }
          : null,
        instructions_ratio_marginal: instructions ? Number(instructions.marginal.ratio.toFixed(3)) : null,
        instructions_full_gcs: instructions ? instructions.fullGcs : null,
        instructions_gc_per_event: instructions
          ? { worker: Math.round(instructions.gcPerEvent.worker), bound: Math.round(instructions.gcPerEvent.bound) }
          : null,
        instructions_ratio_without_gc: instructions ? Number(instructions.withoutGc.ratio.toFixed(3)) : null,
        instructions_ratio_marginal_without_gc: instructions
          ? Number(instructions.withoutGc.marginal.ratio.toFixed(3))
          : null,
        instructions_per_event_marginal: instructions
          ? {
              worker: Math.round(instructions.marginal.worker),
              bound: Math.round(instructions.marginal.bound),
              events: instructions.marginal.events,
            }
          : null,
        scaling_cpu_ratio: Number(cpu.ratio.toFixed(3)),
        scaling_cpu_rounds: cpu.rounds.map((r) => Number(r.toFixed(3))),
        scaling_smallest_share: Number(cpu.smallestShare.toFixed(3)),
        worker_idle_cpu_ms: Math.round(idleCpuSeconds * 1000),
      })}\n`,
    );
    return failures.length > 0 ? 1 : 0;
  } finally {
    s3.destroy();
    sqs.destroy();
    await aws.stop();
  }
}

/**
 * Per-format parse throughput is measured in this process, so it runs with the worker's runtime flags too (the
 * bound processes get them as well): every figure then comes from one V8 configuration.
 */
if (RUNTIME_NODE_ARGS.every((flag) => process.execArgv.includes(flag))) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
} else {
  const child = spawn(process.execPath, [...process.execArgv, ...RUNTIME_NODE_ARGS, ...process.argv.slice(1)], {
    stdio: "inherit",
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
