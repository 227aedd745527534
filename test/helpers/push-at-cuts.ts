/** A streaming splitter: chunks in, pieces appended to `out`; `end` flushes what the last chunk left open. */
export interface StreamingSplitter<P> {
  push(chunk: Uint8Array, out: P[]): void;
  end(out: P[]): void;
}

/**
 * Feeds `bytes` to `splitter` in chunks cut at the given offsets (in any order; cuts outside the bytes or repeated
 * are ignored), then ends it: the pieces must not depend on where chunk boundaries fall.
 */
export function pushAtCuts<P>(splitter: StreamingSplitter<P>, bytes: Uint8Array, cuts: number[] = []): P[] {
  const out: P[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= start || cut >= bytes.length) continue;
    splitter.push(bytes.subarray(start, cut), out);
    start = cut;
  }
  splitter.push(bytes.subarray(start), out);
  splitter.end(out);
  return out;
}
