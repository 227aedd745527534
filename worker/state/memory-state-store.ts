import type * as z from "../runtime/zod.ts";
import { envelope, openEnvelope } from "./state-envelope.ts";
import { describeKey, StateCorruptError, type StateKey, type StateStore } from "./state-store.ts";

/**
 * Cursors kept in memory only: for tests, and for runs without `globals.persistence` (which then start again
 * from `start_time` after a restart). Stored as JSON text so it behaves like the file store (copies, not
 * shared objects; the same validation on read).
 */
export class MemoryStateStore implements StateStore {
  readonly #data = new Map<string, string>();
  /** Every write in order, for tests that check what was saved when. */
  readonly writes: { key: StateKey; cursor: unknown }[] = [];

  describe(key: StateKey): string {
    return `memory:${describeKey(key)}`;
  }

  async read<T>(key: StateKey, kind: string, schema: z.core.$ZodType<T>): Promise<T | undefined> {
    const text = this.#data.get(describeKey(key));
    if (text === undefined) return undefined;
    const opened = openEnvelope(JSON.parse(text), key, kind, schema);
    if (!opened.ok) throw new StateCorruptError(this.describe(key), opened.reason);
    return opened.cursor;
  }

  async write(key: StateKey, kind: string, cursor: unknown): Promise<void> {
    const text = JSON.stringify(envelope(key, kind, cursor, new Date()));
    this.#data.set(describeKey(key), text);
    this.writes.push({ key, cursor: JSON.parse(JSON.stringify(cursor)) });
  }
}
