import type { SqsApi } from "../../aws/wire/sqs-wire-client.ts";
import type { Logger } from "../../observability/logger.ts";

interface Tracked {
  receiptHandle: string;
  receivedAt: number;
  /** When the message becomes visible again unless extended. */
  visibleAt: number;
}

export interface VisibilityKeeperOptions {
  /** The visibility timeout the worker asks for on receive and on each extension, in seconds. */
  timeoutSeconds: number;
  /** Never keep a message invisible longer than this in total (SQS's own limit is 12 hours). */
  maxTotalSeconds: number;
  /** How often to look for messages to extend. */
  tickMs?: number;
  now?: () => number;
  onExtended?: (count: number) => void;
}

/** Errors that mean the receipt handle is dead: the message was deleted, or became visible and was received again. */
const DEAD_HANDLE = new Set(["ReceiptHandleIsInvalid", "MessageNotInflight", "InvalidParameterValue"]);

/**
 * The visibility heartbeat: while a message is being processed, its visibility is extended each time half of
 * the timeout has passed, so a slow object is not handed to a second worker. It stops for a message when its
 * receipt handle is dead or the total cap is reached (then the message may be redelivered: at least once).
 */
export class VisibilityKeeper {
  readonly #client: SqsApi;
  readonly #queueUrl: string;
  readonly #logger: Logger;
  readonly #options: Required<Omit<VisibilityKeeperOptions, "onExtended">> &
    Pick<VisibilityKeeperOptions, "onExtended">;
  readonly #tracked = new Map<string, Tracked>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  constructor(client: SqsApi, queueUrl: string, logger: Logger, options: VisibilityKeeperOptions) {
    this.#client = client;
    this.#queueUrl = queueUrl;
    this.#logger = logger;
    this.#options = { tickMs: 1000, now: Date.now, ...options };
  }

  track(messageId: string, receiptHandle: string, receivedAt = this.#options.now()): void {
    this.#tracked.set(messageId, {
      receiptHandle,
      receivedAt,
      visibleAt: receivedAt + this.#options.timeoutSeconds * 1000,
    });
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.tick(), this.#options.tickMs);
      // The heartbeat alone must not keep the process alive.
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  untrack(messageId: string): void {
    this.#tracked.delete(messageId);
    if (this.#tracked.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  get size(): number {
    return this.#tracked.size;
  }

  /** Extends every tracked message that has passed half of its timeout. Public for tests. */
  async tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const now = this.#options.now();
      const { timeoutSeconds, maxTotalSeconds } = this.#options;
      const due: [string, Tracked, number][] = [];
      for (const [id, entry] of this.#tracked) {
        if (entry.visibleAt - now > (timeoutSeconds * 1000) / 2) continue;
        const remainingCap = entry.receivedAt + maxTotalSeconds * 1000 - now;
        const seconds = Math.min(timeoutSeconds, Math.floor(remainingCap / 1000));
        if (seconds <= 0) {
          this.#logger.warn({ queue: this.#queueUrl, messageId: id }, "visibility extension cap reached");
          this.#tracked.delete(id);
          continue;
        }
        due.push([id, entry, seconds]);
      }
      for (let start = 0; start < due.length; start += 10) await this.#extend(due.slice(start, start + 10), now);
    } finally {
      this.#busy = false;
    }
  }

  async #extend(batch: [string, Tracked, number][], now: number): Promise<void> {
    try {
      const result = await this.#client.changeMessageVisibilityBatch({
        QueueUrl: this.#queueUrl,
        Entries: batch.map(([, entry, seconds], index) => ({
          Id: String(index),
          ReceiptHandle: entry.receiptHandle,
          VisibilityTimeout: seconds,
        })),
      });
      const failed = new Map((result.Failed ?? []).map((failure) => [failure.Id, failure]));
      let extended = 0;
      for (const [index, [id, entry, seconds]] of batch.entries()) {
        const failure = failed.get(String(index));
        if (failure === undefined) {
          entry.visibleAt = now + seconds * 1000;
          extended++;
        } else if (DEAD_HANDLE.has(failure.Code ?? "")) {
          this.#logger.warn(
            { queue: this.#queueUrl, messageId: id, code: failure.Code },
            "receipt handle no longer valid",
          );
          this.#tracked.delete(id);
        }
      }
      if (extended > 0) this.#options.onExtended?.(extended);
    } catch (error) {
      // Transient: the next tick tries again while there is still half a timeout left.
      this.#logger.warn({ queue: this.#queueUrl, err: (error as Error).message }, "extending visibility failed");
    }
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#tracked.clear();
  }
}
