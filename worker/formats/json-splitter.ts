import { concatBytes } from "./concat-bytes.ts";
import { ObjectReadError } from "./object-read-error.ts";
import { createStringStops, type StringStops } from "./string-stops.ts";

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
  /**
   * Only with the `fields` option, on a `record` that is an object (an element of a split array, or a whole top-level
   * value) and that the scan proved to be valid JSON (JSON.parse of `text` would succeed): the value of each of
   * `fields` (same index) as JSON.parse would give it at the object's depth 1, but for an object or an array, which is
   * NESTED_JSON_VALUE (not read); `undefined` when the key is absent (of duplicate keys, the last). Absent whenever
   * the scan was not sure: parse `text` then.
   */
  fields?: JsonFieldValue[];
}

/** An object or array value of a field read while framing: its content is not read. */
export const NESTED_JSON_VALUE: Readonly<Record<string, never>> = Object.freeze({});

/** A field's value as the scanner reads it (`JsonPiece.fields`). */
export type JsonFieldValue = string | number | boolean | null | undefined | typeof NESTED_JSON_VALUE;

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
  /**
   * Depth-1 keys of each object record (an element of a `splitKeys` or top-level array, or a whole top-level value)
   * whose values the scan reads while it frames the record, validating the whole record as JSON.parse would on the
   * way (see `JsonPiece.fields`). ASCII names only. Empty: records are validated, and their pieces get `fields: []`.
   */
  fields?: readonly string[];
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

// States of the validating scan of a record (`fields`): what the next byte outside a string may be.
const V_VALUE = 0; // a value (after ':', or after ',' in an array)
const V_VALUE_OR_CLOSE = 1; // a value or ']' (after '[')
const V_KEY = 2; // a key (after ',' in an object)
const V_KEY_OR_CLOSE = 3; // a key or '}' (after '{')
const V_COLON = 4; // ':' after a key
const V_AFTER = 5; // ',' or a closing bracket, after a value
const V_KEY_STRING = 6; // inside a key
const V_VALUE_STRING = 7; // inside a string value
const V_MINUS = 8; // numbers: after '-'
const V_ZERO = 9; // after a leading 0 (may end)
const V_INT = 10; // in the integer digits (may end)
const V_DOT = 11; // after '.'
const V_FRAC = 12; // in the fraction digits (may end)
const V_EXP_MARK = 13; // after 'e' or 'E'
const V_EXP_SIGN = 14; // after the exponent's sign
const V_EXP = 15; // in the exponent digits (may end)
const V_LITERAL = 16; // + index in LITERALS of the next byte of true, false or null
const LITERALS = Uint8Array.from([
  0x74, 0x72, 0x75, 0x65, 0, 0x66, 0x61, 0x6c, 0x73, 0x65, 0, 0x6e, 0x75, 0x6c, 0x6c, 0,
]);
const IN_OBJECT = 1;
const IN_ARRAY = 2;
// What a wanted depth-1 key's value was (0: the key is absent).
const FIELD_STRING = 1;
const FIELD_NUMBER = 2;
const FIELD_TRUE = 3;
const FIELD_FALSE = 4;
const FIELD_NULL = 5;
const FIELD_NESTED = 6;

/** Whether a number may end in this state. */
function numberMayEnd(state: number): boolean {
  return state === V_INT || state === V_ZERO || state === V_FRAC || state === V_EXP;
}

/** Whether `c` may follow a backslash in a JSON string (other than `u`). */
function isSimpleEscape(c: number): boolean {
  return (
    c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x6e || c === 0x74 || c === 0x72 || c === 0x62 || c === 0x66
  );
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

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

/** The SIMD search of string ends (string-stops.ts), when the runtime has WebAssembly SIMD. */
const SIMD_STOPS = createStringStops();
let simdByDefault = true;

/**
 * Turns the SIMD search of string ends on or off for splitters created afterwards: the bench reads the same data both
 * ways. Off, or where the runtime has no WebAssembly SIMD, strings are scanned by a JavaScript loop, to the same
 * pieces.
 */
export function useSimdStringSearch(on: boolean): void {
  simdByDefault = on;
}

/** JSON's whitespace: space, LF, CR, tab. */
export function isWhitespace(c: number): boolean {
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
  private readonly simd: StringStops | undefined = simdByDefault ? SIMD_STOPS : undefined;
  /** `simd` while the chunk being scanned is in its memory; undefined for a chunk searched in JavaScript. */
  private stops: StringStops | undefined;

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

  // The validating scan of a record with `fields` (see scanFields); `fieldsActive` while it is still sure.
  private readonly fieldNames: readonly Uint8Array[];
  /** Whether object records get the validating scan (`fields` given, even empty: then it only validates). */
  private readonly readsFields: boolean;
  /** Indexes of `fieldNames` by length. */
  private readonly fieldsByLength: (number[] | undefined)[] = [];
  private fieldsActive = false;
  private fieldState = V_KEY_OR_CLOSE;
  /** Container of each nesting level of the record (1: the record itself). */
  private fieldStack: Uint8Array = new Uint8Array(0);
  /** The wanted key whose value comes next at depth 1, or -1. */
  private fieldKey = -1;
  /** The wanted key whose number value is being scanned at depth 1 (its end not seen yet), or -1. */
  private numberField = -1;
  /** Offsets (in the record) where the depth-1 key or wanted string value being scanned starts. */
  private keyStartInRecord = 0;
  private valueStartInRecord = 0;
  private readonly fieldKinds: Uint8Array;
  private readonly fieldStarts: Int32Array;
  private readonly fieldEnds: Int32Array;

  constructor(options: JsonSplitOptions = {}) {
    this.splitKeys = new Set(options.splitKeys ?? []);
    this.splitTopLevelArrays = options.splitTopLevelArrays ?? false;
    this.strict = options.strict ?? false;
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.maxDepth = options.maxDepth ?? MAX_RECORD_DEPTH;
    this.lineResync = (options.lineResync ?? false) && !this.strict && this.splitKeys.size === 0;
    const encoder = new TextEncoder();
    this.fieldNames = (options.fields ?? []).map((name) => encoder.encode(name));
    this.fieldNames.forEach((name, k) => {
      const list = this.fieldsByLength[name.length] ?? [];
      list.push(k);
      this.fieldsByLength[name.length] = list;
    });
    this.fieldKinds = new Uint8Array(this.fieldNames.length);
    this.fieldStarts = new Int32Array(this.fieldNames.length);
    this.fieldEnds = new Int32Array(this.fieldNames.length);
    this.readsFields = options.fields !== undefined;
    if (this.readsFields) this.fieldStack = new Uint8Array(Math.min(this.maxDepth, 4096) + 2);
  }

  /** Bytes scanned so far. */
  get position(): number {
    return this.consumed;
  }

  /** Scans one chunk and appends the pieces it completes to `out`. */
  push(bytes: Uint8Array, out: JsonPiece[]): void {
    const n = bytes.length;
    if (n === 0) return;
    // Strings are searched in the WebAssembly module's copy of the chunk (see string-stops.ts).
    const loaded = this.simd?.load(bytes);
    this.stops = loaded === undefined ? undefined : this.simd;
    const chunk = loaded ?? bytes;
    if (this.pieceActive) this.pieceStart = 0;
    if (this.keyActive) this.keyStart = 0;
    let i = 0;
    const lfBefore = this.lfPending;
    this.lfPending = false;
    const resyncing = this.resyncsAtLines() && this.pieceActive;
    if (resyncing && lfBefore && chunk[0] === OPEN_BRACE) this.resync(out);
    else if (this.inString && this.fieldsActive) {
      this.inString = false; // scanFields goes on with the string (its state says so)
    } else if (this.inString && !resyncing) {
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
        i = this.fieldsActive
          ? this.scanFields(chunk, i, out)
          : this.resyncsAtLines()
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
          if (c === OPEN_BRACE && this.readsFields) this.startFields();
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

  /**
   * Whether the record being scanned is framed by the line-resync scan: a whole top-level value of a one-record-per-line
   * object. Elements of a split top-level array are not: a line break inside them is whitespace.
   */
  private resyncsAtLines(): boolean {
    return this.lineResync && this.mode === MODE_VALUE;
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
    if (this.topIsObject && this.readsFields && this.splitKeys.size === 0) this.startFields();
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
    this.fieldsActive = false;
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
    const withFields = this.fieldsActive;
    this.fieldsActive = false;
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
    let bytes: Uint8Array;
    if (this.pieceParts.length === 0) {
      bytes = chunk.subarray(this.pieceStart, end);
    } else {
      this.pieceParts.push(chunk.subarray(this.pieceStart, end));
      bytes = concatBytes(this.pieceParts, length);
      this.pieceParts = [];
    }
    const raw = this.decoder.decode(bytes);
    const text = this.pieceWhitespace ? compactJson(raw) : raw;
    if (withFields) {
      const fields = this.takeFields(raw, bytes);
      out.push({ kind: "record", text, offset: this.pieceOffset, from: this.pieceFrom, fields });
    } else {
      out.push({ kind: "record", text, offset: this.pieceOffset, from: this.pieceFrom });
    }
  }

  /**
   * The values captured by scanFields, from the record's text as decoded. Each value lies between two ASCII quotes,
   * so it decodes alone to what it is in the whole text; when every byte of the record decoded to one character
   * (ASCII, or invalid bytes each replaced by U+FFFD), byte offsets are character offsets and a slice is enough.
   */
  private takeFields(raw: string, bytes: Uint8Array): JsonFieldValue[] {
    const kinds = this.fieldKinds;
    const fields: JsonFieldValue[] = new Array(kinds.length);
    const sameOffsets = raw.length === bytes.length;
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[k];
      if (kind === FIELD_STRING || kind === FIELD_NUMBER) {
        const start = this.fieldStarts[k];
        const end = this.fieldEnds[k];
        const text = sameOffsets ? raw.slice(start, end) : this.decoder.decode(bytes.subarray(start, end));
        // A JSON number's text is a JavaScript numeric literal of the same value: Number reads it as JSON.parse does.
        fields[k] = kind === FIELD_STRING ? text : Number(text);
      } else {
        fields[k] = FIELD_VALUES[kind];
      }
    }
    return fields;
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
        if (this.fieldsActive) this.stopFields();
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
    const stops = this.stops;
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
          if (stops !== undefined) {
            i = stops.stop(i, n);
            if (i >= n) break;
          }
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
    const stops = this.stops;
    let i = from;
    for (; i < n; i++) {
      if (inString && !escaped && stops !== undefined) {
        // To the next quote, backslash or control character: a line break is one.
        i = stops.stop(i, n);
        if (i >= n) break;
      }
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
    if (this.fieldsActive) this.stopFields();
  }

  /** Starts the validating scan of a record: its `{` was just seen (the general loop counts its depth). */
  private startFields(): void {
    this.fieldsActive = true;
    this.fieldState = V_KEY_OR_CLOSE;
    this.fieldStack[1] = IN_OBJECT;
    this.fieldKey = -1;
    this.numberField = -1;
    this.fieldKinds.fill(0);
  }

  /**
   * Gives up reading fields from the record being scanned (not sure of it): it is framed on as without `fields`, and
   * its piece has none. A string being scanned is then to be ended by findStringEnd.
   */
  private stopFields(): void {
    if (this.fieldState === V_KEY_STRING || this.fieldState === V_VALUE_STRING) this.inString = true;
    this.fieldsActive = false;
  }

  /**
   * scanRecordBody for a record whose fields are read (`fields`): the same framing, and on the way a check of every
   * byte against JSON's grammar (as JSON.parse: strings without control characters and with valid escapes, numbers,
   * literals, brackets that match, keys and values in their places) and the capture of the wanted depth-1 values.
   * Whatever it is not sure of (a grammar error, an escape in a depth-1 key or a wanted value, an escape cut by the
   * chunk's end, nesting deeper than tracked), it gives up with stopFields and the record is framed by
   * scanRecordBody from there: its piece has no fields, and the parser decides with JSON.parse as before. Returns as
   * scanRecordBody does; its state between chunks is in `fieldState` (a string goes on when it is a string state).
   */
  private scanFields(chunk: Uint8Array, from: number, out: JsonPiece[]): number {
    const n = chunk.length;
    const stops = this.stops;
    const pieceDepth = this.pieceDepth;
    const stack = this.fieldStack;
    const base = this.consumed - this.pieceOffset; // offset in the record of chunk[0]
    let depth = this.depth;
    let state = this.fieldState;
    let whitespace = this.pieceWhitespace;
    let i = from;
    for (;;) {
      if (state === V_KEY_STRING || state === V_VALUE_STRING) {
        // Inside a string: an escape where a value is read or a key compared is left to JSON.parse.
        const atTop = depth - pieceDepth === 1;
        const watched = atTop && (state === V_KEY_STRING || this.fieldKey >= 0);
        for (;;) {
          i = stops === undefined ? stringStop(chunk, i, n) : stops.stop(i, n);
          if (i >= n) {
            this.inString = true;
            this.saveFields(state, depth, whitespace);
            return n;
          }
          const c = chunk[i];
          if (c === QUOTE) break;
          if (c === BACKSLASH) {
            if (watched || i + 1 >= n) return this.giveUp(chunk, i, state, depth, whitespace, out, true);
            const e = chunk[i + 1];
            if (isSimpleEscape(e)) {
              i += 2;
              continue;
            }
            if (
              e !== 0x75 ||
              i + 5 >= n ||
              !isHex(chunk[i + 2]) ||
              !isHex(chunk[i + 3]) ||
              !isHex(chunk[i + 4]) ||
              !isHex(chunk[i + 5])
            ) {
              return this.giveUp(chunk, i, state, depth, whitespace, out, true);
            }
            i += 6;
            continue;
          }
          return this.giveUp(chunk, i, state, depth, whitespace, out, true);
        }
        // The closing quote.
        if (atTop) {
          if (state === V_KEY_STRING) {
            this.fieldKey = this.wantedKey(chunk, this.keyStartInRecord, base + i);
          } else if (this.fieldKey >= 0) {
            const k = this.fieldKey;
            this.fieldKinds[k] = FIELD_STRING;
            this.fieldStarts[k] = this.valueStartInRecord;
            this.fieldEnds[k] = base + i;
            this.fieldKey = -1;
          }
        }
        i++;
        // The common cases, `"key":"value"` and `"value","key"`, without a turn of the general loop per byte.
        if (state === V_KEY_STRING) {
          state = V_COLON;
          if (i + 1 < n && chunk[i] === 0x3a) {
            state = V_VALUE;
            if (chunk[i + 1] === QUOTE) {
              state = V_VALUE_STRING;
              this.valueStartInRecord = base + i + 2;
              i += 2;
              continue;
            }
            i++;
          }
        } else {
          state = V_AFTER;
          if (i + 1 < n && chunk[i] === COMMA && chunk[i + 1] === QUOTE) {
            if (stack[depth - pieceDepth] === IN_OBJECT) {
              state = V_KEY_STRING;
              this.keyStartInRecord = base + i + 2;
            } else {
              state = V_VALUE_STRING;
              this.valueStartInRecord = base + i + 2;
            }
            i += 2;
            continue;
          }
        }
      }
      if (i >= n) break;
      const c = chunk[i];
      if (c === QUOTE) {
        if (state === V_KEY || state === V_KEY_OR_CLOSE) {
          state = V_KEY_STRING;
          this.keyStartInRecord = base + i + 1;
        } else if (state <= V_VALUE_OR_CLOSE) {
          state = V_VALUE_STRING;
          this.valueStartInRecord = base + i + 1;
        } else {
          return this.giveUp(chunk, i, state, depth, whitespace, out);
        }
      } else if (c === 0x3a) {
        if (state !== V_COLON) return this.giveUp(chunk, i, state, depth, whitespace, out);
        state = V_VALUE;
      } else if (c === COMMA) {
        if (state !== V_AFTER && !numberMayEnd(state)) return this.giveUp(chunk, i, state, depth, whitespace, out);
        if (this.numberField >= 0) this.endNumber(base + i);
        state = stack[depth - pieceDepth] === IN_OBJECT ? V_KEY : V_VALUE;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        const level = depth - pieceDepth + 1;
        if (state > V_VALUE_OR_CLOSE || level >= stack.length) {
          return this.giveUp(chunk, i, state, depth, whitespace, out);
        }
        if (level === 2 && this.fieldKey >= 0) this.valueKind(FIELD_NESTED);
        stack[level] = c === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
        state = c === OPEN_BRACE ? V_KEY_OR_CLOSE : V_VALUE_OR_CLOSE;
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        const level = depth - pieceDepth;
        const fits =
          c === CLOSE_BRACE
            ? stack[level] === IN_OBJECT && (state === V_AFTER || state === V_KEY_OR_CLOSE || numberMayEnd(state))
            : stack[level] === IN_ARRAY && (state === V_AFTER || state === V_VALUE_OR_CLOSE || numberMayEnd(state));
        if (!fits) return this.giveUp(chunk, i, state, depth, whitespace, out);
        if (this.numberField >= 0) this.endNumber(base + i);
        state = V_AFTER;
        if (level === 1) {
          // The record's own closing bracket: the general loop ends the record there.
          this.saveFields(state, depth, whitespace);
          return i;
        }
        depth--;
      } else if (c === SPACE || c === LF || c === CR || c === TAB) {
        // One record per line: a line break inside one may be where it was cut (scanRecordBodyResync decides).
        if (c === LF && this.resyncsAtLines()) return this.giveUp(chunk, i, state, depth, whitespace, out);
        if (state >= V_MINUS) {
          if (!numberMayEnd(state)) return this.giveUp(chunk, i, state, depth, whitespace, out);
          if (this.numberField >= 0) this.endNumber(base + i);
          state = V_AFTER;
        }
        whitespace = true;
      } else if (state <= V_VALUE_OR_CLOSE) {
        // A number or a literal starts.
        if (c === 0x74) state = V_LITERAL + 1;
        else if (c === 0x66) state = V_LITERAL + 6;
        else if (c === 0x6e) state = V_LITERAL + 12;
        else if (c === 0x2d) state = V_MINUS;
        else if (c === 0x30) state = V_ZERO;
        else if (c > 0x30 && c <= 0x39) state = V_INT;
        else return this.giveUp(chunk, i, state, depth, whitespace, out);
        if (this.fieldKey >= 0 && depth - pieceDepth === 1) this.startScalar(state, base + i);
      } else if (state >= V_LITERAL) {
        if (LITERALS[state - V_LITERAL] !== c) return this.giveUp(chunk, i, state, depth, whitespace, out);
        state++;
        if (LITERALS[state - V_LITERAL] === 0) state = V_AFTER;
      } else {
        const next = numberState(state, c);
        if (next < 0) return this.giveUp(chunk, i, state, depth, whitespace, out);
        state = next;
      }
      i++;
    }
    this.saveFields(state, depth, whitespace);
    return n;
  }

  private saveFields(state: number, depth: number, whitespace: boolean): void {
    this.fieldState = state;
    this.depth = depth;
    this.pieceWhitespace = whitespace;
  }

  /** The wanted key's value is a container or a literal, of this kind. */
  private valueKind(kind: number): void {
    this.fieldKinds[this.fieldKey] = kind;
    this.fieldKey = -1;
  }

  /** The wanted key's value is a number or a literal, starting at `start` (offset in the record) in `state`. */
  private startScalar(state: number, start: number): void {
    if (state >= V_LITERAL) {
      this.valueKind(state === V_LITERAL + 1 ? FIELD_TRUE : state === V_LITERAL + 6 ? FIELD_FALSE : FIELD_NULL);
      return;
    }
    this.fieldStarts[this.fieldKey] = start;
    this.numberField = this.fieldKey;
    this.valueKind(FIELD_NUMBER);
  }

  /** The number of `numberField` ends before `end` (offset in the record). */
  private endNumber(end: number): void {
    this.fieldEnds[this.numberField] = end;
    this.numberField = -1;
  }

  /**
   * scanFields gives up at `chunk[i]`: scanRecordBody frames the rest of the record from there. Inside a string
   * (`chunk[i]` not escaped), the string's end is found first.
   */
  private giveUp(
    chunk: Uint8Array,
    i: number,
    state: number,
    depth: number,
    whitespace: boolean,
    out: JsonPiece[],
    inString = false,
  ): number {
    this.saveFields(state, depth, whitespace);
    this.stopFields();
    if (this.resyncsAtLines()) {
      // One record per line: the resync scan goes on from this byte, inside the string or not, as it would have.
      this.inString = inString;
      this.pendingEscape = false;
      return this.scanRecordBodyResync(chunk, i, out);
    }
    if (!inString) return this.scanRecordBody(chunk, i, out);
    this.inString = false;
    this.pendingEscape = false;
    const end = this.findStringEnd(chunk, i);
    if (end < 0) {
      this.inString = true;
      return chunk.length;
    }
    return this.scanRecordBody(chunk, end + 1, out);
  }

  /**
   * Index of the wanted key whose name is the record's bytes [start, end) (offsets in the record), or -1. Wanted
   * names are ASCII and the key has no escape, so comparing bytes is comparing the decoded strings.
   */
  private wantedKey(chunk: Uint8Array, start: number, end: number): number {
    const candidates = this.fieldsByLength[end - start];
    if (candidates === undefined) return -1;
    let bytes = chunk;
    let at = start - (this.consumed - this.pieceOffset);
    if (at < 0) {
      // The key began in an earlier chunk: its bytes are in the parts kept of the record.
      const upTo = end - (this.consumed - this.pieceOffset);
      bytes = concatBytes([...this.pieceParts, chunk.subarray(this.pieceStart, upTo)]);
      at = start;
    }
    for (const k of candidates) {
      const name = this.fieldNames[k];
      let same = true;
      for (let j = 0; j < name.length; j++) {
        if (bytes[at + j] !== name[j]) {
          same = false;
          break;
        }
      }
      if (same) return k;
    }
    return -1;
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
    const stops = this.stops;
    // A plain byte loop: CloudTrail strings are short, and a native indexOf call per string costs more than it saves.
    const n = chunk.length;
    let i = from;
    if (this.pendingEscape) {
      this.pendingEscape = false;
      i++;
    }
    while (i < n) {
      if (stops !== undefined) {
        i = stops.stop(i, n); // never past an escape cut by the chunk's end: i < n here
        if (i >= n) break;
      }
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

/** Index of the first quote, backslash or control character in `chunk[i, n)`, or `n`: the bytes a string ends at. */
function stringStop(chunk: Uint8Array, i: number, n: number): number {
  // Four bytes a turn: a third of the loop's own instructions per byte (bounds, overflow and interrupt checks).
  const last4 = n - 4;
  while (i <= last4) {
    const a = chunk[i];
    if ((a <= QUOTE && a !== SPACE && a !== 0x21) || a === BACKSLASH) return i;
    const b = chunk[i + 1];
    if ((b <= QUOTE && b !== SPACE && b !== 0x21) || b === BACKSLASH) return i + 1;
    const c = chunk[i + 2];
    if ((c <= QUOTE && c !== SPACE && c !== 0x21) || c === BACKSLASH) return i + 2;
    const d = chunk[i + 3];
    if ((d <= QUOTE && d !== SPACE && d !== 0x21) || d === BACKSLASH) return i + 3;
    i += 4;
  }
  for (; i < n; i++) {
    const c = chunk[i];
    if ((c <= QUOTE && c !== SPACE && c !== 0x21) || c === BACKSLASH) return i;
  }
  return n;
}

/** The state after byte `c` in a number in state `state`, or -1 when `c` cannot come there. */
/** The value of a field of each kind that has no text of its own (FIELD_* index). */
const FIELD_VALUES: readonly JsonFieldValue[] = [undefined, undefined, undefined, true, false, null, NESTED_JSON_VALUE];

function numberState(state: number, c: number): number {
  const digit = c >= 0x30 && c <= 0x39;
  switch (state) {
    case V_MINUS:
      return c === 0x30 ? V_ZERO : digit ? V_INT : -1;
    case V_INT:
      return digit ? V_INT : c === 0x2e ? V_DOT : c === 0x65 || c === 0x45 ? V_EXP_MARK : -1;
    case V_ZERO:
      return c === 0x2e ? V_DOT : c === 0x65 || c === 0x45 ? V_EXP_MARK : -1;
    case V_DOT:
      return digit ? V_FRAC : -1;
    case V_FRAC:
      return digit ? V_FRAC : c === 0x65 || c === 0x45 ? V_EXP_MARK : -1;
    case V_EXP_MARK:
      return digit ? V_EXP : c === 0x2b || c === 0x2d ? V_EXP_SIGN : -1;
    case V_EXP_SIGN:
    case V_EXP:
      return digit ? V_EXP : -1;
    default:
      return -1;
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
