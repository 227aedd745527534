import type { DevoEvent } from "../pipeline/event.ts";

/**
 * A destination for events. The pipeline acknowledges a unit of work (an SQS message, an API page) only when
 * `send` has resolved for every batch of it on every configured output.
 */
export interface Output {
  /** The output's id in the config (`outputs.<id>`), used in logs and metrics. */
  readonly id: string;
  /**
   * Resolves once every event of `batch` is delivered: written and flushed to the destination (for network
   * outputs: handed to a connection the peer has accepted, and written to the socket). Rejects when delivery
   * failed and will not be retried by the output itself. May wait when the output's buffers are full: that
   * wait is the pipeline's backpressure.
   *
   * Formats the batch before it returns and keeps no reference to it afterwards, so that the events can be
   * collected while their bytes are delivered. Kept until delivery, every batch in flight survives young-generation
   * collections and is copied and promoted: that was half the worker's collection time (bench, --trace-gc-nvp).
   */
  send(batch: readonly DevoEvent[]): Promise<void>;
  /**
   * Flushes what is pending, closes connections gracefully and releases resources. When `signal` aborts (the
   * shutdown grace period is over), it stops waiting: undelivered sends reject and connections are dropped.
   */
  close(signal?: AbortSignal): Promise<void>;
}

/**
 * A failure after which the output can deliver nothing more, ever (standard output closed by its reader): the
 * pipeline stops the run instead of retrying every message against it.
 */
export class FatalOutputError extends Error {
  override readonly name = "FatalOutputError";
}

/**
 * The body of an output's `send` that keeps the contract above: formats the batch now and hands only the result
 * (and the event count) to `deliver`. Not an async function, so no suspended frame of it holds the batch; an
 * error while formatting becomes a rejection, as from an async `send`.
 */
export function formatThenDeliver<T>(
  batch: readonly DevoEvent[],
  format: (batch: readonly DevoEvent[]) => T,
  deliver: (formatted: T, events: number) => Promise<void>,
): Promise<void> {
  if (batch.length === 0) return Promise.resolve();
  try {
    return deliver(format(batch), batch.length);
  } catch (error) {
    return Promise.reject(error);
  }
}
