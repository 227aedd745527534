import { median } from "./latency.ts";
import { againstNeighbours } from "./paired-rounds.ts";

/** One run of one or more workers on the same queues: their CPU time together and what each delivered. */
export interface CpuRun {
  /** CPU seconds (user + system, all threads) of every worker process of the run, summed. */
  cpuSeconds: number;
  /** Events each worker process handled (one entry per worker). */
  eventsByWorker: readonly number[];
}

export interface CpuScaling {
  /** Median over rounds of (CPU per event, two workers) / (CPU per event, one worker). */
  ratio: number;
  /** Each round's ratio, against the single-worker runs on either side of it. */
  rounds: number[];
  /** Smallest share of the events any one worker of a two-worker run handled (0.5: an even split). */
  smallestShare: number;
}

/**
 * CPU seconds per event of a run, net of `idleCpuSeconds` per worker process: what one worker spends with nothing
 * to do (start-up, the polls that find the queues empty, exit), which two workers pay twice.
 */
export function cpuPerEvent(run: CpuRun, idleCpuSeconds = 0): number {
  const events = run.eventsByWorker.reduce((sum, n) => sum + n, 0);
  if (events === 0) throw new Error("cpuPerEvent: a run with no events");
  return (run.cpuSeconds - idleCpuSeconds * run.eventsByWorker.length) / events;
}

/**
 * `scaling_cpu_ratio`: total CPU per event with two workers on one queue over one worker's. Two cores cannot show
 * wall-clock scaling with fauxqs beside them, but contention between workers (duplicate receives, hidden
 * messages, lock-step polling) costs CPU per event, which this shows. The machine's speed drifts (a slow core
 * takes more CPU seconds for the same work), so each two-worker run is read against the single-worker runs on
 * either side of it in time, as the throughput figures are: `ones` has one more run than `twos`. Each run is net
 * of `idleCpuSeconds` per worker process (see `cpuPerEvent`).
 */
export function cpuScaling(ones: readonly CpuRun[], twos: readonly CpuRun[], idleCpuSeconds = 0): CpuScaling {
  const net = (run: CpuRun) => cpuPerEvent(run, idleCpuSeconds);
  const rounds = againstNeighbours(twos.map(net), ones.map(net));
  const shares = twos.map((run) => {
    const total = run.eventsByWorker.reduce((sum, n) => sum + n, 0);
    return Math.min(...run.eventsByWorker) / total;
  });
  return { ratio: median(rounds), rounds, smallestShare: Math.min(...shares) };
}
