/** The parts joined into one array; `length` (their total) saves a pass when the caller already counted it. */
export function concatBytes(parts: readonly Uint8Array[], length?: number): Uint8Array {
  const total = length ?? parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
