import { WeightedSemaphore } from "../pipeline/weighted-semaphore.ts";

/** What is written: text (UTF-16 units) or bytes; either way `length` is what the budget counts. */
type Chunk = string | Uint8Array;

interface Pending<T extends Chunk> {
  chunk: T;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Serialises writes to one destination and merges what accumulates meanwhile into one large write: many
 * batches are sent in parallel, and one big write costs far less than many small ones. Memory is bounded by
 * `bufferUnits` (bytes, or UTF-16 units of text: a close stand-in for bytes of mostly ASCII lines): `push` waits
 * for room, and that wait is the pipeline's backpressure. Each `push` resolves only after the write that carried
 * it finished.
 */
export class CoalescingWriter<T extends Chunk> {
  readonly #write: (chunk: T) => Promise<void>;
  readonly #merge: (chunks: T[]) => T;
  readonly #maxWriteUnits: number;
  readonly #budget: WeightedSemaphore;
  #queue: Pending<T>[] = [];
  #writing: Promise<void> | undefined;

  constructor(
    write: (chunk: T) => Promise<void>,
    options: { bufferUnits: number; maxWriteUnits?: number; merge: (chunks: T[]) => T },
  ) {
    this.#write = write;
    this.#merge = options.merge;
    this.#budget = new WeightedSemaphore(options.bufferUnits);
    this.#maxWriteUnits = options.maxWriteUnits ?? 1024 * 1024;
  }

  async push(chunk: T): Promise<void> {
    if (chunk.length === 0) return;
    await this.#budget.acquire(chunk.length);
    try {
      await new Promise<void>((resolve, reject) => {
        this.#queue.push({ chunk, resolve, reject });
        this.#writing ??= this.#drain();
      });
    } finally {
      this.#budget.release(chunk.length);
    }
  }

  /** Resolves when everything pushed so far is written (or failed). */
  async idle(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        let units = 0;
        let count = 0;
        // At least one item per write, however large; then as many as fit.
        while (
          count < this.#queue.length &&
          (count === 0 || units + this.#queue[count].chunk.length <= this.#maxWriteUnits)
        ) {
          units += this.#queue[count].chunk.length;
          count++;
        }
        const group = this.#queue.splice(0, count);
        const chunk = group.length === 1 ? group[0].chunk : this.#merge(group.map((item) => item.chunk));
        try {
          await this.#write(chunk);
          for (const item of group) item.resolve();
        } catch (error) {
          for (const item of group) item.reject(error);
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }
}
