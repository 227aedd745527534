import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { FatalOutputError, type Output } from "../outputs/output.ts";
import { type Source, WorkAbandoned, type WorkItem } from "../sources/work-item.ts";
import type { DevoEvent } from "./event.ts";
import { WeightedSemaphore } from "./weighted-semaphore.ts";

export interface PipelineOptions {
  /** Work items (messages, pages) processed at once across all sources. */
  concurrency: number;
  /** Bytes of events sent to the outputs and not yet acknowledged, across all work: the memory bound. */
  maxBytesInFlight: number;
  /** After a stop is asked, how long in-flight work may take to finish before it is handed back. */
  shutdownGraceMs: number;
}

export interface RunSummary {
  workAcked: number;
  workFailed: number;
  workAbandoned: number;
  events: number;
  eventsByTag: Record<string, number>;
  bytes: number;
  /** From the start of `run` until everything was closed, idle detection included. */
  elapsedMs: number;
  /**
   * Wall clock (epoch ms) when the first work item was handed out and when the last one was acknowledged: the
   * span in which work was really done, without start-up and the idle check of `--until-idle`. Absent: no work.
   */
  firstWorkAt?: number;
  lastAckAt?: number;
}

/**
 * Joins sources to outputs. Pulls work only when a slot is free (so sources never run ahead of delivery),
 * sends every batch to every output, and acknowledges a work item only after every send of it resolved. The
 * bytes budget holds back reading when outputs are slow: that is the backpressure that bounds memory.
 */
export class Pipeline {
  readonly #sources: Source[];
  readonly #outputs: Output[];
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #options: PipelineOptions;
  readonly #slots: WeightedSemaphore;
  readonly #bytes: WeightedSemaphore;
  /** Aborted when the grace period is over (or a second signal asks): in-flight work is handed back unfinished. */
  readonly #hardStop = new AbortController();
  /** Aborted when the run is to stop: asked by the caller, a source failed, or an output can deliver nothing more. */
  readonly #stop = new AbortController();
  /** The first failure that stopped the run; `run` throws it. */
  #failure: unknown;
  readonly #inFlight = new Set<Promise<void>>();
  /** Acknowledgements under way: their items no longer hold a slot. */
  readonly #acks = new Set<Promise<void>>();
  readonly #summary: RunSummary = {
    workAcked: 0,
    workFailed: 0,
    workAbandoned: 0,
    events: 0,
    eventsByTag: {},
    bytes: 0,
    elapsedMs: 0,
  };

  constructor(
    sources: Source[],
    outputs: Output[],
    deps: { logger: Logger; metrics: Metrics },
    options: PipelineOptions,
  ) {
    this.#sources = sources;
    this.#outputs = outputs;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
    this.#options = options;
    this.#slots = new WeightedSemaphore(options.concurrency);
    this.#bytes = new WeightedSemaphore(options.maxBytesInFlight);
  }

  /**
   * Runs until `signal` aborts (then drains within the grace period) or, with `untilIdle`, until every source
   * is idle and all work is delivered. Outputs and sources are closed before it returns.
   */
  async run(signal: AbortSignal, options: { untilIdle: boolean }): Promise<RunSummary> {
    const started = performance.now();
    const inFlight = this.#inFlight;
    const stopAll = () => this.#stopAll();
    if (signal.aborted) stopAll();
    else signal.addEventListener("abort", stopAll, { once: true });
    try {
      await Promise.all(
        this.#sources.map((source) =>
          this.#drive(source, this.#stop.signal, options.untilIdle, inFlight).catch((error: unknown) => {
            this.#fail(error);
          }),
        ),
      );
      while (inFlight.size > 0 || this.#acks.size > 0) await Promise.all([...inFlight, ...this.#acks]);
    } finally {
      signal.removeEventListener("abort", stopAll);
      await this.#closeAll();
    }
    if (this.#failure !== undefined) throw this.#failure;
    this.#summary.elapsedMs = performance.now() - started;
    return this.#summary;
  }

  /**
   * Ends the stop now instead of at the end of the grace period (a second signal): what is in flight is handed back
   * at once, outputs drop their connections, and a source still inside a long poll is not waited for.
   */
  stopNow(): void {
    this.#stopAll();
    if (this.#hardStop.signal.aborted) return;
    this.#logger.warn({ inFlight: this.#inFlight.size }, "stopping now: in-flight work is handed back");
    this.#hardStop.abort();
  }

  /** Stops receiving; in-flight work may finish within the grace period, then the hard stop hands it back. */
  #stopAll(): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    this.#logger.info(
      { inFlight: this.#inFlight.size, graceMs: this.#options.shutdownGraceMs },
      "stopping: draining in-flight work",
    );
    const timer = setTimeout(() => {
      if (this.#hardStop.signal.aborted) return;
      this.#logger.warn(
        { inFlight: this.#inFlight.size, graceMs: this.#options.shutdownGraceMs },
        "shutdown grace period over: in-flight work is handed back",
      );
      this.#hardStop.abort();
    }, this.#options.shutdownGraceMs);
    (timer as { unref?: () => void }).unref?.();
  }

  /**
   * One source failing, or an output that can deliver nothing more, stops the whole run (within the same grace), so
   * that a failed run ends instead of hanging on the sources still polling; the first failure is then thrown.
   */
  #fail(error: unknown): void {
    this.#failure ??= error;
    this.#stopAll();
  }

  async #drive(source: Source, signal: AbortSignal, untilIdle: boolean, inFlight: Set<Promise<void>>): Promise<void> {
    const own = new WeightedSemaphore(source.concurrency ?? this.#options.concurrency);
    // Asked while this loop holds a slot of each kind for the item being requested.
    const ready = () => 1 + Math.min(own.available, this.#slots.available);
    const iterator = source.work(signal, { untilIdle, ready })[Symbol.asyncIterator]();
    // Set while a request for the next item is open: after the grace period it is not waited for.
    let asking = false;
    try {
      while (!signal.aborted) {
        await own.acquire();
        await this.#slots.acquire();
        let next: IteratorResult<WorkItem>;
        try {
          asking = true;
          next = await this.#abortable(iterator.next());
          asking = false;
        } catch (error) {
          own.release();
          this.#slots.release();
          if (asking && this.#hardStop.signal.aborted) {
            // Typically a long poll (up to sqs_wait_timeout): messages it still brings stay invisible for their
            // visibility timeout and then come back. Nothing is lost; the grace period is what the user allowed.
            this.#logger.warn(
              { source: source.id },
              "source still busy at the end of the grace period: not waited for",
            );
            return;
          }
          asking = false;
          this.#logger.error({ source: source.id, err: (error as Error).message }, "source failed");
          throw error;
        }
        if (next.done) {
          own.release();
          this.#slots.release();
          return;
        }
        this.#summary.firstWorkAt ??= Date.now();
        const task = this.#process(source, next.value).finally(() => {
          own.release();
          this.#slots.release();
          inFlight.delete(task);
        });
        inFlight.add(task);
      }
    } finally {
      // A generator busy in a request would finish that request before returning: do not wait for it then.
      if (asking) void iterator.return?.()?.catch(() => undefined);
      else await iterator.return?.();
    }
  }

  async #process(source: Source, item: WorkItem): Promise<void> {
    this.#metrics.workInFlight.inc();
    const sends: Promise<void>[] = [];
    let counts: ItemCounts;
    try {
      counts = await this.#sendEvents(item, sends);
      await this.#abortable(Promise.all(sends));
    } catch (error) {
      if (error instanceof FatalOutputError) {
        // Nothing can be delivered any more: stop the run, and hand the item back for another worker at once.
        this.#fail(error);
        await this.#handBack(source, item, sends, new WorkAbandoned(error.message));
      } else await this.#handBack(source, item, sends, error);
      this.#metrics.workInFlight.dec();
      return;
    }
    // Everything is delivered: the slot is free for the next item while the acknowledgement (an SQS delete,
    // batched with others) completes. `run` waits for it before closing.
    const acking = this.#acknowledge(source, item, counts);
    this.#acks.add(acking);
    void acking.finally(() => this.#acks.delete(acking));
  }

  /**
   * Sends each batch of the item as it comes, adding its send to `sends`. A function of its own so that the frame
   * which then waits for those sends no longer holds the item's last batch.
   */
  async #sendEvents(item: WorkItem, sends: Promise<void>[]): Promise<ItemCounts> {
    const counts: ItemCounts = { events: 0, bytes: 0, byTag: new Map() };
    for await (const batch of item.events) {
      if (this.#hardStop.signal.aborted) throw new WorkAbandoned("shutdown grace period over");
      if (batch.length === 0) continue;
      const size = batchBytes(batch);
      await this.#abortable(this.#bytes.acquire(size));
      countTags(batch, counts.byTag);
      counts.events += batch.length;
      counts.bytes += size;
      const send = this.#deliver(batch, size);
      // Failures are awaited by the caller; this only keeps an early rejection from being reported as unhandled.
      send.catch(() => undefined);
      sends.push(send);
    }
    return counts;
  }

  /**
   * Hands one batch to every output; resolves when all of them delivered it. Nothing here keeps the batch until
   * then: the outputs encode it before their first wait, so its events die young while the bytes are written. A
   * closure over the batch next to the release callback kept every batch alive until its write, and half the
   * worker's young-generation collection time went to copying and promoting those events (bench, --trace-gc-nvp).
   */
  #deliver(batch: readonly DevoEvent[], size: number): Promise<void> {
    this.#metrics.bytesInFlight.inc(size);
    const activity = this.#metrics.activity;
    activity.sendStarted();
    const deliveries: Promise<void>[] = [];
    for (const output of this.#outputs) deliveries.push(output.send(batch));
    return Promise.all(deliveries).then(
      () => {
        activity.sendSettled(true);
        this.#releaseBytes(size);
      },
      (error: unknown) => {
        activity.sendSettled(false);
        this.#releaseBytes(size);
        throw error;
      },
    );
  }

  #releaseBytes(size: number): void {
    this.#bytes.release(size);
    this.#metrics.bytesInFlight.dec(size);
  }

  async #acknowledge(source: Source, item: WorkItem, { events, bytes, byTag }: ItemCounts): Promise<void> {
    try {
      await item.ack();
      this.#summary.lastAckAt = Date.now();
      this.#summary.workAcked++;
      this.#summary.events += events;
      this.#summary.bytes += bytes;
      for (const [tag, count] of byTag) {
        this.#summary.eventsByTag[tag] = (this.#summary.eventsByTag[tag] ?? 0) + count;
        this.#metrics.events.inc({ source: source.id, tag }, count);
      }
    } catch (error) {
      // The delete failed for good: the message comes back after its visibility timeout (a duplicate, not a loss).
      await this.#handBack(source, item, [], error);
    } finally {
      this.#metrics.workInFlight.dec();
    }
  }

  /** A failed item goes back to its source (which retries it later or dead-letters it); never deleted here. */
  async #handBack(source: Source, item: WorkItem, sends: Promise<void>[], error: unknown): Promise<void> {
    const reason = error instanceof Error ? error : new Error(String(error));
    if (reason instanceof WorkAbandoned) this.#summary.workAbandoned++;
    else this.#summary.workFailed++;
    // Let the other sends of this item settle before handing it back (unless the grace period is over:
    // an output that never answers must not hold the shutdown).
    await this.#abortable(Promise.allSettled(sends)).catch(() => undefined);
    await item
      .nack(reason)
      .catch((nackError: Error) =>
        this.#logger.error(
          { source: source.id, work: item.description, err: nackError.message },
          "handing work back failed",
        ),
      );
  }

  /** Waits for `promise`, unless the shutdown grace period ends first. */
  #abortable<T>(promise: Promise<T>): Promise<T> {
    const signal = this.#hardStop.signal;
    if (signal.aborted) return Promise.reject(new WorkAbandoned("shutdown grace period over"));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new WorkAbandoned("shutdown grace period over"));
      signal.addEventListener("abort", onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  async #closeAll(): Promise<void> {
    // Outputs flush what is left, unless the grace period is over (or ends meanwhile): then they give up at once.
    const results = await Promise.allSettled([
      ...this.#outputs.map((output) => output.close(this.#hardStop.signal)),
      ...this.#sources.map((source) => source.close()),
    ]);
    for (const result of results) {
      if (result.status === "rejected") this.#logger.error({ err: (result.reason as Error).message }, "closing failed");
    }
  }
}

/** What one work item delivered: its events, their bytes (as the budget counts them) and its events per tag. */
interface ItemCounts {
  events: number;
  bytes: number;
  byTag: Map<string, number>;
}

function batchBytes(batch: readonly DevoEvent[]): number {
  let total = 0;
  for (const event of batch) total += event.message.length + event.tag.length + 40;
  return total;
}

/** Adds the batch's events per tag. Events of one object mostly share a tag, so runs are counted, not events. */
function countTags(batch: readonly DevoEvent[], byTag: Map<string, number>): void {
  let tag = batch[0].tag;
  let run = 0;
  for (let i = 0; i < batch.length; i++) {
    if (batch[i].tag === tag) {
      run++;
      continue;
    }
    byTag.set(tag, (byTag.get(tag) ?? 0) + run);
    tag = batch[i].tag;
    run = 1;
  }
  byTag.set(tag, (byTag.get(tag) ?? 0) + run);
}
