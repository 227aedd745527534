import * as z from "../runtime/zod.ts";
import type { StateKey } from "./state-store.ts";

/**
 * What a state file holds: the cursor wrapped with what it belongs to. `format` is the version of this
 * envelope; the cursor's own shape is versioned by `kind`.
 */
export const STATE_FORMAT = 1;

export const stateEnvelope = z.strictObject({
  format: z.number().check(z.int()),
  kind: z.string().check(z.minLength(1)),
  input: z.string(),
  service: z.string(),
  region: z.string(),
  saved_at: z.string(),
  cursor: z.unknown(),
});

export type StateEnvelope = z.output<typeof stateEnvelope>;

export function envelope(key: StateKey, kind: string, cursor: unknown, now: Date): StateEnvelope {
  return {
    format: STATE_FORMAT,
    kind,
    input: key.input,
    service: key.service,
    region: key.region,
    saved_at: now.toISOString(),
    cursor,
  };
}

/**
 * Checks an envelope against the key and kind it is read for, then the cursor against its schema.
 * Returns the reason it is unusable, or the cursor.
 */
export function openEnvelope<T>(
  data: unknown,
  key: StateKey,
  kind: string,
  schema: z.core.$ZodType<T>,
): { ok: true; cursor: T } | { ok: false; reason: string } {
  const parsed = stateEnvelope.safeParse(data);
  if (!parsed.success) return { ok: false, reason: `not a state file (${z.prettifyError(parsed.error)})` };
  const env = parsed.data;
  if (env.format > STATE_FORMAT) {
    return {
      ok: false,
      reason: `format ${env.format} was written by a newer collector (this one reads ${STATE_FORMAT})`,
    };
  }
  if (env.format !== STATE_FORMAT) return { ok: false, reason: `unknown format ${env.format}` };
  if (env.input !== key.input || env.service !== key.service || env.region !== key.region) {
    return {
      ok: false,
      reason: `it belongs to ${env.input}/${env.service}/${env.region}, not ${key.input}/${key.service}/${key.region}`,
    };
  }
  if (env.kind !== kind) return { ok: false, reason: `it holds a "${env.kind}" cursor, expected "${kind}"` };
  const cursor = z.safeParse(schema, env.cursor);
  if (!cursor.success) return { ok: false, reason: `invalid "${kind}" cursor (${z.prettifyError(cursor.error)})` };
  return { ok: true, cursor: cursor.data };
}
