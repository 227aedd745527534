import { isWhitespace } from "./json-splitter.ts";
import type { Framing } from "./object-format.ts";

/** What framing the object read starts with, and the object's bytes from their start (nothing consumed). */
export interface ChosenFraming {
  framing: Exclude<Framing, { kind: "json-or-lines" }>;
  bytes: AsyncIterable<Uint8Array>;
}

/**
 * Decides a `json-or-lines` framing by the object's first byte that is not whitespace or a UTF-8 byte order mark:
 * `{` frames the object as JSON, anything else (or an empty object) as lines. Only the chunks up to that byte are
 * held; the bytes handed on are the object's, unchanged. Any other framing is returned as it is.
 */
export async function chooseFraming(framing: Framing, bytes: AsyncIterable<Uint8Array>): Promise<ChosenFraming> {
  if (framing.kind !== "json-or-lines") return { framing, bytes };
  const source = bytes[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  const scan = new LeadingBytes();
  let first: number | undefined;
  let ended = false;
  while (first === undefined) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    held.push(next.value);
    first = scan.firstSignificant(next.value);
  }
  const chosen =
    first === OPEN_BRACE ? ({ kind: "json", split: framing.split } as const) : ({ kind: "lines" } as const);
  return { framing: chosen, bytes: replay(held, source, ended) };
}

const OPEN_BRACE = 0x7b;
const BOM = [0xef, 0xbb, 0xbf];

/** Skips JSON whitespace and, at the object's very start, a byte order mark, across chunks cut anywhere. */
class LeadingBytes {
  /** Bytes of the BOM matched so far at the object's start; -1 once past it (or there was none). */
  private bom = 0;

  /** The first byte of the chunk that is neither, or undefined when the whole chunk was. */
  firstSignificant(chunk: Uint8Array): number | undefined {
    for (const c of chunk) {
      if (this.bom >= 0 && this.bom < BOM.length && c === BOM[this.bom]) {
        this.bom++;
        continue;
      }
      // A BOM cut short is no BOM: its first byte is the object's first.
      if (this.bom > 0 && this.bom < BOM.length) return BOM[0];
      this.bom = -1;
      if (!isWhitespace(c)) return c;
    }
    return undefined;
  }
}

/** The held chunks, then the rest of the source; the source is closed if the reader stops early. */
async function* replay(
  held: Uint8Array[],
  source: AsyncIterator<Uint8Array>,
  ended: boolean,
): AsyncGenerator<Uint8Array> {
  try {
    yield* held;
    if (ended) return;
    for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  } finally {
    await source.return?.();
  }
}
