import type { DevoEvent } from "../pipeline/event.ts";

/**
 * A unit of work a source hands to the pipeline: an SQS message (all the objects it names), or one page of an
 * API. The pipeline drains `events`, sends every batch to every output, and then calls exactly one of `ack`
 * (everything delivered: delete the message / advance the cursor) or `nack` (keep it for a retry).
 */
export interface WorkItem {
  /** Short human description for logs: `s3://bucket/key`, `LookupEvents us-east-1 page 3`, … */
  readonly description: string;
  /** Batches of events, produced lazily: the pipeline pulls the next batch only when it can send it. */
  readonly events: AsyncIterable<readonly DevoEvent[]>;
  ack(): Promise<void>;
  nack(error: Error): Promise<void>;
}

/** What the pipeline tells a source when it asks for work. */
export interface WorkOptions {
  /** End when the source has nothing more to give, instead of waiting for more. */
  untilIdle: boolean;
  /**
   * How many work items the pipeline could start right now, the one asked for included (at least 1). A source
   * that fetches in batches (SQS receives up to 10 messages) takes no more than this: what a worker holds and
   * cannot start stays on the queue for the other workers instead of waiting here. Absent: no limit.
   */
  ready?: () => number;
}

/** A producer of work items: an SQS queue, a CloudTrail LookupEvents poller, a CloudWatch poller, … */
export interface Source {
  /** `<input id>/<service>/<region>` in logs and metrics. */
  readonly id: string;
  /**
   * How many of this source's work items may be processed at once. API sources that advance one cursor say 1;
   * undefined means the pipeline's global limit.
   */
  readonly concurrency?: number;
  /**
   * Yields work until `signal` aborts (or, with `untilIdle`, until the source has nothing more to give).
   * The pipeline pulls the next item only when it has capacity, so a source never runs ahead of delivery.
   */
  work(signal: AbortSignal, options: WorkOptions): AsyncIterable<WorkItem>;
  /** Releases clients and timers; called once after `work` finished. */
  close(): Promise<void>;
}

/**
 * The reason a work item is handed back when the item itself is not at fault (the worker is shutting down):
 * sources make such work available again at once instead of backing off.
 */
export class WorkAbandoned extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "WorkAbandoned";
  }
}
