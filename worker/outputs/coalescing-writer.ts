import { WeightedSemaphore } from "../pipeline/weighted-semaphore.ts";

interface Pending {
  text: string;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Serialises writes to one destination and merges what accumulates meanwhile into one large write: many
 * batches are sent in parallel, and one big write costs far less than many small ones. Memory is bounded by
 * `bufferChars` (UTF-16 units, a close stand-in for bytes of mostly ASCII lines): `push` waits for room, and
 * that wait is the pipeline's backpressure. Each `push` resolves only after the write that carried it finished.
 */
export class CoalescingWriter {
  readonly #write: (text: string) => Promise<void>;
  readonly #maxWriteChars: number;
  readonly #budget: WeightedSemaphore;
  #queue: Pending[] = [];
  #writing: Promise<void> | undefined;

  constructor(write: (text: string) => Promise<void>, options: { bufferChars: number; maxWriteChars?: number }) {
    this.#write = write;
    this.#budget = new WeightedSemaphore(options.bufferChars);
    this.#maxWriteChars = options.maxWriteChars ?? 1024 * 1024;
  }

  async push(text: string): Promise<void> {
    if (text.length === 0) return;
    await this.#budget.acquire(text.length);
    try {
      await new Promise<void>((resolve, reject) => {
        this.#queue.push({ text, resolve, reject });
        this.#writing ??= this.#drain();
      });
    } finally {
      this.#budget.release(text.length);
    }
  }

  /** Resolves when everything pushed so far is written (or failed). */
  async idle(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        let chars = 0;
        let count = 0;
        // At least one item per write, however large; then as many as fit.
        while (
          count < this.#queue.length &&
          (count === 0 || chars + this.#queue[count].text.length <= this.#maxWriteChars)
        ) {
          chars += this.#queue[count].text.length;
          count++;
        }
        const group = this.#queue.splice(0, count);
        const text = group.length === 1 ? group[0].text : group.map((item) => item.text).join("");
        try {
          await this.#write(text);
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
