import type * as z from "../runtime/zod.ts";

/** Whose cursor: one collector is one (input, service, region). */
export interface StateKey {
  input: string;
  service: string;
  region: string;
}

/**
 * Saved cursors of the API sources. A source reads its cursor once at start and writes it after each
 * acknowledged work item, so what is on disk never runs ahead of what Devo has received.
 *
 * `kind` names the cursor's shape and its version (`cloudtrail-lookup/1`): a cursor of another shape is an
 * error, never read as if it were this one.
 */
export interface StateStore {
  /**
   * The saved cursor, or `undefined` when there is none yet. A file that cannot be read, parsed or validated
   * rejects with a {@link StateCorruptError}: starting over silently would repeat or skip data.
   */
  read<T>(key: StateKey, kind: string, schema: z.core.$ZodType<T>): Promise<T | undefined>;
  /** Resolves once the cursor is durable (on disk, fsynced). Writes of one key are applied in call order. */
  write(key: StateKey, kind: string, cursor: unknown): Promise<void>;
  /** Where a key lives, for logs and errors (a file path, or `memory`). */
  describe(key: StateKey): string;
}

export class StateCorruptError extends Error {
  override readonly name = "StateCorruptError";
  readonly location: string;
  constructor(location: string, reason: string) {
    super(
      `state file ${location} is unusable: ${reason}. It was left untouched; fix it, or move it away to start ` +
        "again from the service's start_time.",
    );
    this.location = location;
  }
}

export function describeKey(key: StateKey): string {
  return `${key.input}/${key.service}/${key.region}`;
}
