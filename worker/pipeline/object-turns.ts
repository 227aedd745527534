import type { DevoEvent } from "./event.ts";
import { WeightedSemaphore } from "./weighted-semaphore.ts";

/** How much of one object's (compressed) body is downloaded before it waits for its turn to be parsed. */
export const DEFAULT_PREFETCH_BYTES = 8 * 1024 * 1024;
/** How much all waiting objects together hold read ahead, whatever the concurrency. */
export const DEFAULT_PREFETCH_TOTAL_BYTES = 32 * 1024 * 1024;

export type ReadObject<S, C> = (service: S, body: AsyncIterable<Uint8Array>, context: C) => AsyncIterable<DevoEvent[]>;

/**
 * Bytes read ahead and not yet handed to a parser, across all objects. Never waited on: an object that finds it
 * spent stops reading ahead and streams the rest of its body during its turn. So memory stays within the total
 * plus at most one network chunk per object, and no object can block another.
 */
export class ReadAheadBudget {
  readonly totalBytes: number;
  readonly #onChange: ((held: number) => void) | undefined;
  #held = 0;

  /** `onChange` sees every new total held (the worker exports it as a gauge). */
  constructor(totalBytes: number, onChange?: (held: number) => void) {
    this.totalBytes = totalBytes;
    this.#onChange = onChange;
  }

  get held(): number {
    return this.#held;
  }

  get spent(): boolean {
    return this.#held >= this.totalBytes;
  }

  hold(bytes: number): void {
    this.#held += bytes;
    this.#onChange?.(this.#held);
  }

  release(bytes: number): void {
    if (bytes === 0) return;
    this.#held -= bytes;
    this.#onChange?.(this.#held);
  }
}

/**
 * Objects are downloaded concurrently but parsed one at a time. Parsing is CPU work on the one JavaScript thread:
 * interleaving several objects' parses gains nothing and keeps every object's half-filled batch alive at once,
 * so each young-generation collection copies (and promotes) several times more live data. Each object's body is
 * read ahead into memory (up to `perObjectBytes`, the whole object usually, while the shared budget lasts) while
 * it waits, so its turn starts with its bytes at hand, as the bound's does; the rest streams during its turn.
 */
export function inTurns<S, C>(
  read: ReadObject<S, C>,
  options: { perObjectBytes?: number; budget?: ReadAheadBudget } = {},
): ReadObject<S, C> {
  const turn = new WeightedSemaphore(1);
  const perObject = options.perObjectBytes ?? DEFAULT_PREFETCH_BYTES;
  const budget = options.budget ?? new ReadAheadBudget(DEFAULT_PREFETCH_TOTAL_BYTES);
  return async function* readInTurn(service, body, context) {
    const ahead = await readAhead(body, perObject, budget);
    try {
      await turn.acquire();
      try {
        yield* read(service, ahead.chunks, context);
      } finally {
        turn.release();
      }
    } finally {
      await ahead.close();
    }
  };
}

/**
 * Reads up to `limit` bytes of `body` now, fewer when `budget` is spent; `chunks` replays them, then continues
 * with the rest. Replayed chunks are dropped (and given back to the budget) as they are handed on, so memory falls
 * as the parse advances. `close` ends the body early (its socket is released) when the reader stopped before the
 * end, or never started, and gives back what was still held.
 */
export async function readAhead(
  body: AsyncIterable<Uint8Array>,
  limit: number,
  budget: ReadAheadBudget = new ReadAheadBudget(Number.POSITIVE_INFINITY),
): Promise<{ chunks: AsyncIterable<Uint8Array>; close(): Promise<void> }> {
  const source = body[Symbol.asyncIterator]();
  const head: (Uint8Array | undefined)[] = [];
  // Bytes read ahead and not yet handed on (nothing is handed on before `replay`, so also what was read ahead).
  let held = 0;
  let finished = false;
  const giveBack = (size: number) => {
    held -= size;
    budget.release(size);
  };
  try {
    while (held < limit && !budget.spent) {
      const next = await source.next();
      if (next.done) {
        finished = true;
        break;
      }
      head.push(next.value);
      held += next.value.byteLength;
      budget.hold(next.value.byteLength);
    }
  } catch (error) {
    finished = true;
    giveBack(held);
    throw error;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < head.length; i++) {
      const chunk = head[i]!;
      head[i] = undefined;
      giveBack(chunk.byteLength);
      yield chunk;
    }
    head.length = 0;
    while (!finished) {
      const next = await source.next().catch((error: unknown) => {
        finished = true;
        throw error;
      });
      if (next.done) finished = true;
      else yield next.value;
    }
  }
  return {
    chunks: replay(),
    async close() {
      head.length = 0;
      giveBack(held);
      if (finished) return;
      finished = true;
      await source.return?.();
    },
  };
}
