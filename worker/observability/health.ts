/**
 * What the worker has been doing, for a health check that tells a stuck worker from an idle one: when a receive
 * last succeeded or failed, and whether deliveries are pending without progress. Sources and the pipeline stamp it
 * (through the metrics they already update); {@link HealthMonitor} reads it.
 */
export class Activity {
  readonly #now: () => number;
  /** When a receive (SQS ReceiveMessage, empty long polls included) last succeeded; the start counts as one. */
  lastReceiveAt: number;
  /** Receives that failed since the last one that succeeded. */
  receiveErrors = 0;
  /** Work items being processed (the work-in-flight gauge): a worker holding some is busy, not idle. */
  workInHand = 0;
  /** Sends to the outputs not settled yet. */
  pendingSends = 0;
  /** When a send last resolved (or, after an idle spell, when one began): the delivery clock. */
  lastProgressAt: number;
  /** Sends that failed since the last one that resolved: while there are any, a new send does not reset the clock. */
  #failedSinceProgress = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.lastReceiveAt = now();
    this.lastProgressAt = now();
  }

  receiveSucceeded(): void {
    this.lastReceiveAt = this.#now();
    this.receiveErrors = 0;
  }

  receiveFailed(): void {
    this.receiveErrors++;
  }

  sendStarted(): void {
    if (this.pendingSends++ === 0 && this.#failedSinceProgress === 0) this.lastProgressAt = this.#now();
  }

  /** Sends that failed since one last delivered. */
  get failedSinceProgress(): number {
    return this.#failedSinceProgress;
  }

  sendSettled(delivered: boolean): void {
    this.pendingSends--;
    if (delivered) {
      this.lastProgressAt = this.#now();
      this.#failedSinceProgress = 0;
    } else this.#failedSinceProgress++;
  }
}

export interface HealthReport {
  status: "ok" | "stopping" | "unhealthy";
  /** Why it is not ok, in words. */
  reasons: string[];
}

export interface HealthOptions {
  /** No successful receive, or no delivery progress with sends pending, for this long: unhealthy. */
  unhealthyAfterMs: number;
  /** Whether the worker receives from queues at all (API-only workers do not). */
  watchReceives: boolean;
  now?: () => number;
}

/**
 * Judges {@link Activity}: unhealthy when sends have been pending, or have failed, with no delivery for
 * `unhealthyAfterMs` (the receiver is down or stuck), or when no receive succeeded for that long while receives fail
 * or nothing is in hand (an idle worker long-polls every `sqs_wait_timeout`, at most 20 s, so its receives keep
 * succeeding). A busy worker whose slots are all taken does not receive, and is judged by its deliveries alone.
 */
export class HealthMonitor {
  readonly #activity: Activity;
  readonly #options: HealthOptions;
  readonly #now: () => number;
  stopping = false;

  constructor(activity: Activity, options: HealthOptions) {
    this.#activity = activity;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  check(): HealthReport {
    if (this.stopping) return { status: "stopping", reasons: ["the worker is shutting down"] };
    const { unhealthyAfterMs, watchReceives } = this.#options;
    const activity = this.#activity;
    const now = this.#now();
    const reasons: string[] = [];
    const stalledFor = now - activity.lastProgressAt;
    if (stalledFor > unhealthyAfterMs) {
      const noProgress = `no delivery has made progress for ${seconds(stalledFor)} s`;
      if (activity.pendingSends > 0) reasons.push(`${noProgress} with ${activity.pendingSends} batches pending`);
      // Failed back (delivery timeout) and not sent again yet: between two attempts the output is still the problem.
      else if (activity.failedSinceProgress > 0) {
        reasons.push(`${noProgress}: the last ${activity.failedSinceProgress} sends failed`);
      }
    }
    const sinceReceive = now - activity.lastReceiveAt;
    if (watchReceives && sinceReceive > unhealthyAfterMs && (activity.receiveErrors > 0 || activity.workInHand === 0)) {
      reasons.push(
        `no receive has succeeded for ${seconds(sinceReceive)} s (${activity.receiveErrors} failed since the last)`,
      );
    }
    return reasons.length > 0 ? { status: "unhealthy", reasons } : { status: "ok", reasons: [] };
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}
