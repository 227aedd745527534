/**
 * Reads a few top-level fields of a JSON object from its text, without building the object: what a format needs to
 * tag a record whose message is the record's own text (CloudTrail: `eventSource`, `eventName`, `eventTime`…).
 *
 * The whole text is validated as JSON.parse would (strings, escapes, numbers, literals, nesting, nothing after the
 * object), so a record the reader accepts is one JSON.parse accepts, and the fields it returns are the values
 * JSON.parse would give them:
 * - a field is a key of the outermost object only (depth 1); the same name inside nested values does not count;
 * - of duplicate keys the last one wins, as in JSON.parse;
 * - a string value is returned as a string (escapes decoded by JSON.parse of that string alone), any other value
 *   (number, literal, object, array) as `null`: present, but not a string;
 * - a key written with escapes (`"event\u004eame"`) is decoded the same way before it is compared.
 * When the reader is not sure (not an object, invalid JSON, nesting deeper than it tracks) it returns `undefined`,
 * and the caller parses the record with JSON.parse as before, which then decides (and counts invalid JSON).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Containers nested deeper than this (below the outermost object) are left to JSON.parse. */
const MAX_TRACKED_DEPTH = 256;
const IN_OBJECT = 1;
const IN_ARRAY = 2;

/** Values the reader found: a string, `null` for a value of another type; keys absent from the text are absent. */
export type TopLevelFields = Record<string, string | null>;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * The character code at `i`, or -1 past the end. Every read goes through a bounds check: a charCodeAt past the end
 * (NaN) would make V8 deoptimize and then call the generic builtin for every character of every record.
 */
function code(text: string, i: number): number {
  return i < text.length ? text.charCodeAt(i) : -1;
}

/** Index of the first character at or after `i` that is not JSON whitespace (space, tab, LF, CR). */
function skipWhitespace(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
  return n;
}

/** End (exclusive) of the JSON number starting at `i`, or -1 when it is not one. */
function scanNumber(text: string, i: number): number {
  let c = code(text, i);
  if (c === MINUS) c = code(text, ++i);
  if (c === ZERO) {
    c = code(text, ++i);
  } else if (c > ZERO && c <= NINE) {
    do c = code(text, ++i);
    while (isDigit(c));
  } else {
    return -1;
  }
  if (c === DOT) {
    c = code(text, ++i);
    if (!isDigit(c)) return -1;
    do c = code(text, ++i);
    while (isDigit(c));
  }
  if (c === 0x65 || c === 0x45) {
    c = code(text, ++i);
    if (c === PLUS || c === MINUS) c = code(text, ++i);
    if (!isDigit(c)) return -1;
    do c = code(text, ++i);
    while (isDigit(c));
  }
  return i;
}

export class TopLevelFieldReader {
  /** The wanted keys, in the order of `values`. */
  readonly keys: readonly string[];
  /**
   * After a `read` that returned true, the value of each of `keys` (same index): its string, `null` for a value of
   * another type, `undefined` when the key is not in the object. Overwritten by the next `read`.
   */
  readonly values: (string | null | undefined)[];
  /** Indexes of the wanted keys by length, so a key is compared in place only with the few names of its length. */
  private readonly byLength: (readonly number[] | undefined)[] = [];
  private readonly index = new Map<string, number>();
  private readonly stack = new Uint8Array(MAX_TRACKED_DEPTH);
  /** Whether the last string scanned had an escape. */
  private escaped = false;

  constructor(keys: readonly string[]) {
    this.keys = [...new Set(keys)];
    this.values = this.keys.map(() => undefined);
    this.keys.forEach((key, k) => {
      this.index.set(key, k);
      const list = (this.byLength[key.length] as number[] | undefined) ?? [];
      list.push(k);
      this.byLength[key.length] = list;
    });
  }

  /** The wanted fields of the JSON object `text` as a record, or `undefined` when it is not sure. */
  readFields(text: string): TopLevelFields | undefined {
    if (!this.read(text)) return undefined;
    const fields: TopLevelFields = {};
    this.keys.forEach((key, k) => {
      const value = this.values[k];
      if (value !== undefined) fields[key] = value;
    });
    return fields;
  }

  /**
   * Reads the wanted fields of the JSON object `text` into `values`; false when it is not sure (parse the text in
   * full then: it may be invalid JSON, not an object, or nested deeper than the reader tracks).
   */
  read(text: string): boolean {
    const values = this.values;
    values.fill(undefined);
    let i = skipWhitespace(text, 0);
    if (code(text, i) !== OPEN_BRACE) return false;
    i = skipWhitespace(text, i + 1);
    if (code(text, i) === CLOSE_BRACE) {
      i++;
    } else {
      for (;;) {
        if (code(text, i) !== QUOTE) return false;
        const keyStart = i + 1;
        const keyEnd = this.scanString(text, keyStart);
        if (keyEnd < 0) return false;
        let k = -1;
        if (this.escaped) {
          const decoded = decodeString(text, keyStart, keyEnd);
          if (decoded === undefined) return false;
          k = this.index.get(decoded) ?? -1;
        } else {
          const candidates = this.byLength[keyEnd - keyStart];
          if (candidates !== undefined) {
            for (let c = 0; c < candidates.length; c++) {
              if (text.startsWith(this.keys[candidates[c]], keyStart)) {
                k = candidates[c];
                break;
              }
            }
          }
        }
        i = skipWhitespace(text, keyEnd + 1);
        if (code(text, i) !== COLON) return false;
        i = skipWhitespace(text, i + 1);
        if (k >= 0 && code(text, i) === QUOTE) {
          const valueEnd = this.scanString(text, i + 1);
          if (valueEnd < 0) return false;
          const value = this.escaped ? decodeString(text, i + 1, valueEnd) : text.slice(i + 1, valueEnd);
          if (value === undefined) return false;
          values[k] = value;
          i = valueEnd + 1;
        } else {
          i = this.skipValue(text, i);
          if (i < 0) return false;
          if (k >= 0) values[k] = null;
        }
        i = skipWhitespace(text, i);
        const c = code(text, i);
        if (c === COMMA) {
          i = skipWhitespace(text, i + 1);
        } else if (c === CLOSE_BRACE) {
          i++;
          break;
        } else {
          return false;
        }
      }
    }
    return skipWhitespace(text, i) === text.length;
  }

  /**
   * Index of the closing quote of the string whose contents start at `i`, or -1 when it is not a valid JSON
   * string (a control character, a bad escape, no end). Sets `escaped`.
   */
  private scanString(text: string, i: number): number {
    let escaped = false;
    const n = text.length;
    for (;;) {
      if (i >= n) return -1;
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        const e = code(text, i + 1);
        if (e === 0x75) {
          if (
            !isHex(code(text, i + 2)) ||
            !isHex(code(text, i + 3)) ||
            !isHex(code(text, i + 4)) ||
            !isHex(code(text, i + 5))
          ) {
            return -1;
          }
          i += 6;
        } else if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === SLASH ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          i += 2;
        } else {
          return -1;
        }
      } else if (c >= 0x20) {
        i++;
      } else {
        return -1;
      }
    }
    this.escaped = escaped;
    return i;
  }

  /** End (exclusive) of the JSON value starting at `i` (any type, nested values validated), or -1. */
  private skipValue(text: string, i: number): number {
    const stack = this.stack;
    let depth = 0;
    for (;;) {
      // A value starts at i.
      const c = code(text, i);
      if (c === QUOTE) {
        i = this.scanString(text, i + 1);
        if (i < 0) return -1;
        i++;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        i = skipWhitespace(text, i + 1);
        const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (code(text, i) === close) {
          i++;
        } else {
          if (depth === MAX_TRACKED_DEPTH) return -1;
          stack[depth++] = c === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
          if (c === OPEN_BRACE) {
            i = this.skipKey(text, i);
            if (i < 0) return -1;
          }
          continue;
        }
      } else if (c === MINUS || isDigit(c)) {
        i = scanNumber(text, i);
        if (i < 0) return -1;
      } else if (c === 0x74 && text.startsWith("true", i)) {
        i += 4;
      } else if (c === 0x66 && text.startsWith("false", i)) {
        i += 5;
      } else if (c === 0x6e && text.startsWith("null", i)) {
        i += 4;
      } else {
        return -1;
      }
      // After a value: close the containers it ends, or go on to the next element.
      for (;;) {
        if (depth === 0) return i;
        i = skipWhitespace(text, i);
        const d = code(text, i);
        const inObject = stack[depth - 1] === IN_OBJECT;
        if (d === COMMA) {
          i = skipWhitespace(text, i + 1);
          if (inObject) {
            i = this.skipKey(text, i);
            if (i < 0) return -1;
          }
          break;
        }
        if (d !== (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) return -1;
        depth--;
        i++;
      }
    }
  }

  /** Skips `"key" :` and the whitespace after it; returns where the value starts, or -1. */
  private skipKey(text: string, i: number): number {
    if (code(text, i) !== QUOTE) return -1;
    const end = this.scanString(text, i + 1);
    if (end < 0) return -1;
    i = skipWhitespace(text, end + 1);
    if (code(text, i) !== COLON) return -1;
    return skipWhitespace(text, i + 1);
  }
}

/** The value of the JSON string whose contents are `text[start, end)`, escapes decoded exactly as JSON.parse does. */
function decodeString(text: string, start: number, end: number): string | undefined {
  try {
    return JSON.parse(text.slice(start - 1, end + 1)) as string;
  } catch {
    return undefined;
  }
}
