import type * as z from "../runtime/zod.ts";

/**
 * Every key name a set of schemas accepts, at any depth: the vocabulary an unknown key is compared with, so that
 * `regoin` gets "did you mean 'region'?". Walks zod's definitions (objects, wrappers, unions, records, arrays).
 */
export function schemaKeys(schemas: readonly z.core.$ZodType[]): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (schema: unknown): void => {
    if (schema === undefined || seen.has(schema)) return;
    seen.add(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def === undefined) return;
    if (def.type === "object") {
      for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) {
        keys.add(key);
        walk(value);
      }
    }
    for (const child of ["innerType", "in", "out", "valueType", "element"]) walk(def[child]);
    if (Array.isArray(def.options)) for (const option of def.options) walk(option);
  };
  for (const schema of schemas) walk(schema);
  return keys;
}

/** Edit distance (insertions, deletions, substitutions, and swaps of neighbours, which typos mostly are). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}

/** The known key closest to `key`, when it is close enough to be a typo of it (at most a third of its letters). */
export function nearestKey(key: string, known: Iterable<string>): string | undefined {
  let best: { key: string; distance: number } | undefined;
  const lower = key.toLowerCase();
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d === 0 && candidate !== key) return candidate;
    if (best === undefined || d < best.distance) best = { key: candidate, distance: d };
  }
  return best !== undefined && best.distance > 0 && best.distance <= Math.max(1, Math.floor(key.length / 3))
    ? best.key
    : undefined;
}
