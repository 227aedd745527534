import { concatBytes } from "./concat-bytes.ts";
import { ObjectReadError } from "./object-read-error.ts";

/**
 * One piece of a JSON object stream:
 * - `record`: a JSON text (an element of a split array, or a whole top-level value), whitespace outside strings
 *   removed so it is what Devo stores; not yet validated (JSON.parse is the parser's job);
 * - `oversize`: a record longer than `maxRecordBytes` (not kept in memory, only counted);
 * - `deep`: a record nested deeper than `maxDepth` levels (not kept in memory, only counted);
 * - `garbage`: bytes between top-level values that are not JSON (lenient mode only);
 * - `truncated`: the object ended inside a record (lenient mode only);
 * - `unterminated`: a record cut short, found because a new line started the next one (`lineResync` only).
 */
export interface JsonPiece {
  kind: "record" | "oversize" | "deep" | "garbage" | "truncated" | "unterminated";
  text: string;
  /** Byte offset of the piece in the decompressed object, for error messages. */
  offset: number;
  /** The top-level key whose array held the record, or "" for a whole top-level value. */
  from: string;
  /** Bytes of an `oversize` record. */
  size?: number;
}

export interface JsonSplitOptions {
  /** Keys of a top-level object whose array value is streamed element by element (`Records`). */
  splitKeys?: readonly string[];
  /** Stream the elements of a top-level array instead of keeping the array as one record. */
  splitTopLevelArrays?: boolean;
  /**
   * Strict: the object must be a sequence of JSON objects/arrays; anything else, or an end inside a value, is an
   * ObjectReadError (a CloudTrail file that is not one is a bad object). Lenient (Firehose, NDJSON): skipped, counted.
   */
  strict?: boolean;
  /** Longest record kept in memory; longer ones are counted as `oversize` and skipped. */
  maxRecordBytes?: number;
  /** Deepest nesting of objects and arrays in a record (`{"a":1}` is 1); deeper ones are `deep` and skipped. */
  maxDepth?: number;
  /**
   * One-record-per-line objects (NDJSON, Firehose with a newline delimiter): a line break followed by `{` inside an
   * unfinished top-level record means that record was cut short, so scanning starts again at the new line instead
   * of swallowing the following good records into one bad one. Never set for pretty-printed JSON without indentation.
   * Applies to top-level values when there are no `splitKeys`.
   */
  lineResync?: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

const MODE_BETWEEN = 0; // depth 0, between top-level values
const MODE_VALUE = 1; // inside a top-level value that is kept whole (until a split key proves it a container)
const MODE_CONTAINER = 2; // inside a top-level container whose split array elements are records

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/**
 * Nesting beyond this is no log record but a hostile or broken one. Parsers downstream re-serialise records with
 * JSON.stringify, which recurses: under Node 24 it overflows the stack at about 4,400 levels and takes the whole
 * object down with it. Devo's own (Python) collector stops near 1,000 levels too.
 */
export const MAX_RECORD_DEPTH = 1000;

function isWhitespace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/**
 * Incremental JSON scanner that finds record boundaries in a byte stream without parsing: it tracks strings
 * (escape-aware, across chunk boundaries), bracket depth and, in a top-level object, which key a value belongs to.
 * Only the bytes of the record being scanned are kept, so a 1 GB `{"Records":[…]}` file needs one record of memory.
 * Structural characters are ASCII and never occur inside multi-byte UTF-8 sequences, so scanning bytes is exact.
 */
export class JsonSplitter {
  private readonly splitKeys: ReadonlySet<string>;
  private readonly splitTopLevelArrays: boolean;
  private readonly strict: boolean;
  readonly maxRecordBytes: number;
  private readonly maxDepth: number;
  private readonly lineResync: boolean;
  private lfPending = false; // the previous chunk ended with a line break inside a record (lineResync)
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  private consumed = 0; // bytes before the current chunk
  private mode = MODE_BETWEEN;
  private depth = 0;
  private inString = false;
  private pendingEscape = false;

  // The top-level object's keys, to recognise split arrays.
  private topIsObject = false;
  private expectKey = false;
  private keyActive = false;
  private keyStart = 0;
  private keyParts: Uint8Array[] = [];
  private lastKeyIsSplit = false;
  private lastKey = "";
  private elementDepth = -1; // depth of the split array's contents; -1 when not inside one
  private arrayKey = "";

  // The record being scanned.
  private pieceActive = false;
  private pieceScalar = false; // a number/literal/string element: ends at the next delimiter
  private pieceDepth = 0; // depth at which the record started
  private pieceStart = 0; // index in the current chunk
  private pieceOffset = 0;
  private pieceParts: Uint8Array[] = [];
  private pieceBytes = 0;
  private pieceOversize = false;
  private pieceDeep = false;
  private pieceWhitespace = false;
  private pieceFrom = "";

  private garbageOffset = -1;

  constructor(options: JsonSplitOptions = {}) {
    this.splitKeys = new Set(options.splitKeys ?? []);
    this.splitTopLevelArrays = options.splitTopLevelArrays ?? false;
    this.strict = options.strict ?? false;
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.maxDepth = options.maxDepth ?? MAX_RECORD_DEPTH;
    this.lineResync = (options.lineResync ?? false) && !this.strict && this.splitKeys.size === 0;
  }

  /** Bytes scanned so far. */
  get position(): number {
    return this.consumed;
  }

  /** Scans one chunk and appends the pieces it completes to `out`. */
  push(chunk: Uint8Array, out: JsonPiece[]): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.pieceActive) this.pieceStart = 0;
    if (this.keyActive) this.keyStart = 0;
    let i = 0;
    const lfBefore = this.lfPending;
    this.lfPending = false;
    const resyncing = this.lineResync && this.mode === MODE_VALUE && this.pieceActive;
    if (resyncing && lfBefore && chunk[0] === OPEN_BRACE) this.resync(out);
    else if (this.inString && !resyncing) {
      const end = this.findStringEnd(chunk, 0);
      if (end < 0) {
        this.saveChunkTail(chunk);
        return;
      }
      this.onStringEnd(chunk, end);
      i = end + 1;
    }
    for (; i < n; i++) {
      if (this.pieceActive && !this.pieceScalar && (this.mode === MODE_CONTAINER || this.splitKeys.size === 0)) {
        i =
          this.lineResync && this.mode === MODE_VALUE
            ? this.scanRecordBodyResync(chunk, i, out)
            : this.scanRecordBody(chunk, i, out);
        if (i >= n) break;
      }
      const c = chunk[i];
      if (this.mode === MODE_BETWEEN) {
        if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          this.flushGarbage(out);
          this.startTopLevel(c, i);
        } else if (!isWhitespace(c) && c !== 0xef && c !== 0xbb && c !== 0xbf) {
          this.onGarbage(i);
        }
        continue;
      }
      if (c === QUOTE) {
        if (this.depth === this.elementDepth && !this.pieceActive) this.startPiece(i, true);
        if (this.depth === 1 && this.topIsObject && this.expectKey) {
          this.keyActive = true;
          this.keyStart = i + 1;
          this.keyParts = [];
        }
        this.inString = true;
        const end = this.findStringEnd(chunk, i + 1);
        if (end < 0) break;
        this.onStringEnd(chunk, end);
        i = end;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (
          c === OPEN_BRACKET &&
          this.depth === 1 &&
          this.topIsObject &&
          this.lastKeyIsSplit &&
          !this.expectKey &&
          !this.pieceScalar
        ) {
          this.enterSplitArray(this.lastKey);
        } else if (this.depth === this.elementDepth && !this.pieceActive) {
          this.startPiece(i, false);
        }
        this.depth++;
        if (this.depth === 1) this.expectKey = false;
        if (this.pieceActive && this.depth - this.pieceDepth > this.maxDepth) this.setDeep();
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (this.pieceScalar && this.depth === this.elementDepth) this.endPiece(chunk, i, out);
        this.depth--;
        if (this.pieceActive && !this.pieceScalar && this.depth === this.pieceDepth) this.endPiece(chunk, i + 1, out);
        if (this.depth < this.elementDepth) this.elementDepth = -1;
        if (this.depth === 0) this.mode = MODE_BETWEEN;
        else if (this.depth < 0) this.fail(i, "unbalanced closing bracket");
      } else if (c === COMMA) {
        if (this.pieceScalar && this.depth === this.elementDepth) this.endPiece(chunk, i, out);
        if (this.depth === 1 && this.topIsObject) this.expectKey = true;
      } else if (isWhitespace(c)) {
        if (this.pieceScalar && this.depth === this.elementDepth) this.endPiece(chunk, i, out);
        else this.pieceWhitespace = true;
      } else if (this.depth === this.elementDepth && !this.pieceActive && c !== 0x3a) {
        this.startPiece(i, true);
      }
    }
    this.saveChunkTail(chunk);
  }

  /** Ends the stream: appends what remains to `out`, or throws if the object is truncated in strict mode. */
  end(out: JsonPiece[]): void {
    if (this.pieceActive && this.pieceScalar && !this.inString) {
      // A scalar element cut by the end of the stream is still unterminated: the array never closed.
      this.pieceScalar = false;
    }
    this.flushGarbage(out);
    if (this.mode !== MODE_BETWEEN) {
      if (this.strict) this.fail(-1, "the object ends inside a value (truncated?)");
      if (this.pieceActive) {
        out.push({ kind: "truncated", text: "", offset: this.pieceOffset, from: this.pieceFrom });
        this.pieceActive = false;
      }
      this.mode = MODE_BETWEEN;
    }
  }

  private startTopLevel(c: number, i: number): void {
    this.mode = MODE_VALUE;
    this.depth = 1;
    this.topIsObject = c === OPEN_BRACE;
    this.expectKey = this.topIsObject;
    this.lastKeyIsSplit = false;
    this.elementDepth = -1;
    if (!this.topIsObject && this.splitTopLevelArrays) {
      this.mode = MODE_CONTAINER;
      this.elementDepth = 1;
      this.arrayKey = "";
      return;
    }
    this.startPiece(i, false);
    this.pieceDepth = 0;
  }

  private enterSplitArray(key: string): void {
    // The object is a container: what was kept of it is not a record, its array's elements are.
    this.pieceActive = false;
    this.pieceParts = [];
    this.mode = MODE_CONTAINER;
    this.elementDepth = 2;
    this.arrayKey = key;
  }

  private startPiece(i: number, scalar: boolean): void {
    this.pieceActive = true;
    this.pieceScalar = scalar;
    this.pieceDepth = this.depth;
    this.pieceStart = i;
    this.pieceOffset = this.consumed + i;
    this.pieceParts = [];
    this.pieceBytes = 0;
    this.pieceOversize = false;
    this.pieceDeep = false;
    this.pieceWhitespace = false;
    this.pieceFrom = this.mode === MODE_CONTAINER ? this.arrayKey : "";
  }

  /** `end` is exclusive. */
  private endPiece(chunk: Uint8Array, end: number, out: JsonPiece[]): void {
    this.pieceActive = false;
    this.pieceScalar = false;
    const length = this.pieceBytes + end - this.pieceStart;
    if (this.pieceDeep) {
      out.push({ kind: "deep", text: "", offset: this.pieceOffset, from: this.pieceFrom });
      return;
    }
    if (this.pieceOversize || length > this.maxRecordBytes) {
      this.pieceParts = [];
      out.push({ kind: "oversize", text: "", offset: this.pieceOffset, from: this.pieceFrom, size: length });
      return;
    }
    let text: string;
    if (this.pieceParts.length === 0) {
      text = this.decoder.decode(chunk.subarray(this.pieceStart, end));
    } else {
      this.pieceParts.push(chunk.subarray(this.pieceStart, end));
      text = this.decoder.decode(concatBytes(this.pieceParts, length));
      this.pieceParts = [];
    }
    if (this.pieceWhitespace) text = compactJson(text);
    out.push({ kind: "record", text, offset: this.pieceOffset, from: this.pieceFrom });
  }

  private saveChunkTail(chunk: Uint8Array): void {
    const n = chunk.length;
    if (this.pieceActive) {
      // Counted on past the limit too, so a dropped record's size can be reported.
      this.pieceBytes += n - this.pieceStart;
      const keeping = !this.pieceOversize && !this.pieceDeep;
      if (keeping && this.pieceBytes > this.maxRecordBytes) {
        this.pieceOversize = true;
        this.pieceParts = [];
      } else if (keeping) {
        // A copy: the producer may reuse its buffer for the next chunk.
        this.pieceParts.push(chunk.slice(this.pieceStart));
      }
    }
    if (this.keyActive) this.keyParts.push(chunk.slice(this.keyStart));
    this.consumed += n;
  }

  /**
   * The hot path: inside a record no key matters, only strings, depth and whitespace, so this loop keeps its state in
   * locals. Returns the index of the record's closing bracket (still to be handled by the general loop, which ends
   * the record there) or the chunk length.
   */
  private scanRecordBody(chunk: Uint8Array, from: number, _out: JsonPiece[]): number {
    const n = chunk.length;
    const target = this.pieceDepth + 1;
    const tooDeep = this.pieceDepth + this.maxDepth;
    let depth = this.depth;
    let whitespace = this.pieceWhitespace;
    let i = from;
    for (; i < n; i++) {
      const c = chunk[i];
      if (c === QUOTE) {
        i++;
        for (;;) {
          if (i >= n) break;
          const s = chunk[i];
          if (s === QUOTE) break;
          i += s === BACKSLASH ? 2 : 1;
        }
        if (i >= n) {
          // The string goes on in the next chunk.
          this.inString = true;
          if (i > n) this.pendingEscape = true;
          i = n;
          break;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > tooDeep && !this.pieceDeep) this.setDeep();
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === target) break;
        depth--;
      } else if (c === SPACE || c === LF || c === CR || c === TAB) {
        whitespace = true;
      }
    }
    this.depth = depth;
    this.pieceWhitespace = whitespace;
    return i;
  }

  /**
   * `scanRecordBody` for one-record-per-line objects: the same scan, byte by byte inside strings too, watching for a
   * line break followed by `{`. Returns where the general loop goes on: the record's closing bracket, the `{` of the
   * next record after a resync, or the chunk length.
   */
  private scanRecordBodyResync(chunk: Uint8Array, from: number, out: JsonPiece[]): number {
    const n = chunk.length;
    const target = this.pieceDepth + 1;
    const tooDeep = this.pieceDepth + this.maxDepth;
    let depth = this.depth;
    let whitespace = this.pieceWhitespace;
    let inString = this.inString;
    let escaped = this.pendingEscape;
    let i = from;
    for (; i < n; i++) {
      const c = chunk[i];
      if (c === LF) {
        if (i + 1 < n) {
          if (chunk[i + 1] === OPEN_BRACE) {
            this.resync(out);
            return i + 1;
          }
        } else {
          this.lfPending = true;
        }
        escaped = false;
        if (!inString) whitespace = true;
      } else if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > tooDeep && !this.pieceDeep) this.setDeep();
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === target) break;
        depth--;
      } else if (c === SPACE || c === CR || c === TAB) {
        whitespace = true;
      }
    }
    this.depth = depth;
    this.pieceWhitespace = whitespace;
    this.inString = inString;
    this.pendingEscape = escaped;
    return i;
  }

  /** The record being scanned is nested too deeply: what was kept of it goes, the rest is only scanned. */
  private setDeep(): void {
    this.pieceDeep = true;
    this.pieceParts = [];
  }

  /** Gives up the record being scanned as cut short; scanning goes on between top-level values. */
  private resync(out: JsonPiece[]): void {
    out.push({ kind: "unterminated", text: "", offset: this.pieceOffset, from: this.pieceFrom });
    this.pieceActive = false;
    this.pieceParts = [];
    this.inString = false;
    this.pendingEscape = false;
    this.depth = 0;
    this.mode = MODE_BETWEEN;
  }

  /** Index of the closing quote of the string being scanned, or -1 when it goes on past this chunk. */
  private findStringEnd(chunk: Uint8Array, from: number): number {
    // A plain byte loop: CloudTrail strings are short, and a native indexOf call per string costs more than it saves.
    const n = chunk.length;
    let i = from;
    if (this.pendingEscape) {
      this.pendingEscape = false;
      i++;
    }
    while (i < n) {
      const c = chunk[i];
      if (c === QUOTE) return i;
      i += c === BACKSLASH ? 2 : 1;
    }
    // An escape whose escaped byte is in the next chunk.
    if (i > n) this.pendingEscape = true;
    return -1;
  }

  private onStringEnd(chunk: Uint8Array, quote: number): void {
    this.inString = false;
    if (!this.keyActive) return;
    this.keyActive = false;
    this.expectKey = false;
    if (this.splitKeys.size === 0) return;
    let keyBytes = chunk.subarray(this.keyStart, quote);
    if (this.keyParts.length > 0) {
      this.keyParts.push(keyBytes);
      keyBytes = concatBytes(this.keyParts);
      this.keyParts = [];
    }
    this.lastKey = keyBytes.length < 64 ? this.decoder.decode(keyBytes) : "";
    this.lastKeyIsSplit = this.splitKeys.has(this.lastKey);
  }

  private onGarbage(i: number): void {
    if (this.strict) this.fail(i, "expected a JSON object");
    if (this.garbageOffset < 0) this.garbageOffset = this.consumed + i;
  }

  private flushGarbage(out: JsonPiece[]): void {
    if (this.garbageOffset < 0) return;
    out.push({ kind: "garbage", text: "", offset: this.garbageOffset, from: "" });
    this.garbageOffset = -1;
  }

  private fail(i: number, why: string): never {
    const at = i < 0 ? this.consumed : this.consumed + i;
    throw new ObjectReadError(`invalid JSON at byte ${at}: ${why}`);
  }
}

/**
 * Removes whitespace outside strings, keeping every other character as written: number literals such as 64-bit
 * ids or `1.0` stay exactly as the source wrote them (JSON.stringify of a parsed value would change them).
 */
export function compactJson(text: string): string {
  let out = "";
  let runStart = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (isWhitespace(c)) {
      out += text.slice(runStart, i);
      runStart = i + 1;
    }
  }
  return runStart === 0 ? text : out + text.slice(runStart);
}

/** Whether the JSON text nests objects and arrays deeper than `max` levels (strings are skipped, not parsed). */
export function nestedDeeperThan(text: string, max: number = MAX_RECORD_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
