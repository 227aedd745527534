import { concatBytes } from "./concat-bytes.ts";
import type { ObjectRecord } from "./object-format.ts";

const LF = 0x0a;
const CR = 0x0d;
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** A line record, or a line longer than the limit (counted, not kept). */
export interface LinePiece extends ObjectRecord {
  oversize: boolean;
  /** Bytes of an oversize line (without its line break). */
  size?: number;
}

/**
 * Cuts a byte stream into lines (LF or CRLF) without holding more than one line. A UTF-8 BOM at the start of the
 * object and blank lines are dropped; bytes that are not UTF-8 become U+FFFD instead of failing the object.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  readonly maxLineBytes: number;
  private consumed = 0;
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  private oversize = false;
  private lineOffset = 0;
  private firstLine = true;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.maxLineBytes = maxLineBytes;
  }

  push(chunk: Uint8Array, out: LinePiece[]): void {
    const n = chunk.length;
    if (n === 0) return;
    let start = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, start);
      if (lf < 0) break;
      this.emit(chunk, start, lf, out);
      start = lf + 1;
      this.lineOffset = this.consumed + start;
    }
    if (start < n) {
      // Counted on past the limit too, so a dropped line's size can be reported.
      this.partBytes += n - start;
      if (!this.oversize && this.partBytes > this.maxLineBytes) {
        this.oversize = true;
        this.parts = [];
      } else if (!this.oversize) {
        this.parts.push(chunk.slice(start));
      }
    }
    this.consumed += n;
  }

  end(out: LinePiece[]): void {
    if (this.parts.length > 0 || this.oversize) this.emit(new Uint8Array(0), 0, 0, out);
  }

  private emit(chunk: Uint8Array, start: number, end: number, out: LinePiece[]): void {
    const length = this.partBytes + end - start;
    if (this.oversize || length > this.maxLineBytes) {
      this.firstLine = false;
      out.push({ text: "", offset: this.lineOffset, from: "", oversize: true, size: length });
    } else {
      let bytes = chunk.subarray(start, end);
      if (this.parts.length > 0) {
        this.parts.push(bytes);
        bytes = concatBytes(this.parts, length);
      }
      if (this.firstLine) {
        this.firstLine = false;
        if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      }
      let last = bytes.length;
      if (last > 0 && bytes[last - 1] === CR) last--;
      if (!isBlank(bytes, last)) {
        out.push({
          text: this.decoder.decode(bytes.subarray(0, last)),
          offset: this.lineOffset,
          from: "",
          oversize: false,
        });
      }
    }
    this.parts = [];
    this.partBytes = 0;
    this.oversize = false;
  }
}

function isBlank(bytes: Uint8Array, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}
