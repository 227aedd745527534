import { pino } from "pino";
import type { DevoEvent } from "../../../../worker/pipeline/event.ts";
import type { Clock } from "../../../../worker/sources/api-clock.ts";
import type { Source, WorkItem } from "../../../../worker/sources/work-item.ts";

export const silentLogger = () => pino({ level: "silent" });

/** A clock whose sleeps pass at once, moving time forward; it records every sleep. */
export class FakeClock implements Clock {
  nowMs: number;
  readonly sleeps: number[] = [];
  constructor(start: number) {
    this.nowMs = start;
  }
  now(): number {
    return this.nowMs;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.sleeps.push(ms);
    this.nowMs += Math.max(0, ms);
    await Promise.resolve();
  }
}

export interface DrainOptions {
  /** Stop (as a crash would, after the last ack was made durable) once this many items are acknowledged. */
  stopAfterAcks?: number;
  /** Hand these items (1-based, counting every item offered) back with an error instead of acknowledging. */
  nackItems?: Set<number>;
  untilIdle?: boolean;
}

export interface DrainResult {
  events: DevoEvent[];
  items: WorkItem[];
  acks: number;
}

/**
 * Plays the pipeline: takes items one by one, reads all their events, then acknowledges (or hands back) each.
 * Events of handed-back items are not counted as delivered.
 */
export async function drain(source: Source, options: DrainOptions = {}): Promise<DrainResult> {
  const controller = new AbortController();
  const result: DrainResult = { events: [], items: [], acks: 0 };
  const iterator = source.work(controller.signal, { untilIdle: options.untilIdle ?? true })[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const item = next.value;
      result.items.push(item);
      const batch: DevoEvent[] = [];
      for await (const events of item.events) batch.push(...events);
      if (options.nackItems?.has(result.items.length)) {
        await item.nack(new Error("output down"));
        continue;
      }
      await item.ack();
      result.acks += 1;
      result.events.push(...batch);
      if (options.stopAfterAcks !== undefined && result.acks >= options.stopAfterAcks) {
        controller.abort();
        break;
      }
    }
  } finally {
    await iterator.return?.(undefined);
  }
  return result;
}

/** An AWS SDK service error as the SDK raises it (name, message, HTTP status in $metadata). */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode, requestId: "7b5b1c2a-0000-4000-8000-000000000000", attempts: 1 },
  });
}
