import type { DeleteMessageBatchResult } from "@aws-sdk/client-sqs";
import type { SqsApi } from "../../aws/wire/sqs-wire-client.ts";
import type { Logger } from "../../observability/logger.ts";
import { backoffDelay, sleep } from "../../pipeline/backoff.ts";

interface PendingDelete {
  receiptHandle: string;
  resolve(): void;
  reject(error: Error): void;
  attempts: number;
}

const MAX_BATCH = 10;
const MAX_ATTEMPTS = 6;

/**
 * Deletes messages in batches of up to ten, off the receive path: `delete` returns at once with a promise
 * that settles when SQS confirmed (or finally refused) the delete. Entries that fail are retried with backoff;
 * a receipt handle that SQS calls invalid is not retried (the message became visible again and will be
 * delivered once more: a duplicate, never a loss).
 */
export class BatchDeleter {
  readonly #client: SqsApi;
  readonly #queueUrl: string;
  readonly #logger: Logger;
  readonly #lingerMs: number;
  #pending: PendingDelete[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(client: SqsApi, queueUrl: string, logger: Logger, lingerMs = 50) {
    this.#client = client;
    this.#queueUrl = queueUrl;
    this.#logger = logger;
    this.#lingerMs = lingerMs;
  }

  delete(receiptHandle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ receiptHandle, resolve, reject, attempts: 0 });
      if (this.#pending.length >= MAX_BATCH) this.#flushSoon(0);
      else this.#flushSoon(this.#lingerMs);
    });
  }

  /** Sends everything pending and waits for every delete under way. */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#inFlight.size > 0) {
      if (this.#pending.length > 0) this.#flushNow();
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  #flushSoon(delayMs: number): void {
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => this.#flushNow(), delayMs);
  }

  #flushNow(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      const sending = this.#send(batch).finally(() => this.#inFlight.delete(sending));
      this.#inFlight.add(sending);
    }
  }

  async #send(batch: PendingDelete[]): Promise<void> {
    let result: DeleteMessageBatchResult;
    try {
      result = await this.#client.deleteMessageBatch({
        QueueUrl: this.#queueUrl,
        Entries: batch.map((entry, index) => ({ Id: String(index), ReceiptHandle: entry.receiptHandle })),
      });
    } catch (error) {
      await this.#retry(batch, error as Error);
      return;
    }
    const failed = new Map((result.Failed ?? []).map((failure) => [failure.Id, failure]));
    const retry: PendingDelete[] = [];
    for (const [index, entry] of batch.entries()) {
      const failure = failed.get(String(index));
      if (failure === undefined) entry.resolve();
      else if (failure.Code === "ReceiptHandleIsInvalid" || failure.SenderFault) {
        entry.reject(new Error(`SQS refused the delete (${failure.Code}: ${failure.Message ?? "no detail"})`));
      } else retry.push(entry);
    }
    if (retry.length > 0) await this.#retry(retry, new Error("SQS failed some deletes of a batch"));
  }

  async #retry(entries: PendingDelete[], error: Error): Promise<void> {
    const retry: PendingDelete[] = [];
    for (const entry of entries) {
      entry.attempts++;
      if (entry.attempts >= MAX_ATTEMPTS) entry.reject(new Error(`deleting the message failed: ${error.message}`));
      else retry.push(entry);
    }
    if (retry.length === 0) return;
    this.#logger.warn({ queue: this.#queueUrl, err: error.message, entries: retry.length }, "retrying SQS deletes");
    await sleep(backoffDelay(retry[0].attempts, 200, 5000));
    this.#pending.push(...retry);
    this.#flushNow();
  }
}
