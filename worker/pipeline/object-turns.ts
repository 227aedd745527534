import type { DevoEvent } from "./event.ts";
import { WeightedSemaphore } from "./weighted-semaphore.ts";

/** How much of an object's (compressed) body is downloaded before it waits for its turn to be parsed. */
export const DEFAULT_PREFETCH_BYTES = 8 * 1024 * 1024;

export type ReadObject<S, C> = (service: S, body: AsyncIterable<Uint8Array>, context: C) => AsyncIterable<DevoEvent[]>;

/**
 * Objects are downloaded concurrently but parsed one at a time. Parsing is CPU work on the one JavaScript thread:
 * interleaving several objects' parses gains nothing and keeps every object's half-filled batch alive at once,
 * so each young-generation collection copies (and promotes) several times more live data. Each object's body is
 * read ahead into memory (up to `prefetchBytes`, the whole object usually) while it waits, so its turn starts with
 * its bytes at hand, as the bound's does; an object larger than that streams the rest during its turn.
 */
export function inTurns<S, C>(read: ReadObject<S, C>, prefetchBytes = DEFAULT_PREFETCH_BYTES): ReadObject<S, C> {
  const turn = new WeightedSemaphore(1);
  return async function* readInTurn(service, body, context) {
    const ahead = await readAhead(body, prefetchBytes);
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
 * Reads up to `limit` bytes of `body` now; `chunks` replays them, then continues with the rest. Replayed chunks
 * are dropped as they are handed on, so memory falls as the parse advances. `close` ends the body early (its
 * socket is released) when the reader stopped before the end, or never started.
 */
export async function readAhead(
  body: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<{ chunks: AsyncIterable<Uint8Array>; close(): Promise<void> }> {
  const source = body[Symbol.asyncIterator]();
  const head: (Uint8Array | undefined)[] = [];
  let bytes = 0;
  let finished = false;
  try {
    while (bytes < limit) {
      const next = await source.next();
      if (next.done) {
        finished = true;
        break;
      }
      head.push(next.value);
      bytes += next.value.byteLength;
    }
  } catch (error) {
    finished = true;
    throw error;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < head.length; i++) {
      const chunk = head[i]!;
      head[i] = undefined;
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
      if (finished) return;
      finished = true;
      await source.return?.();
    },
  };
}
