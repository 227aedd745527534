/**
 * Where a JSON string's bytes stop being plain: the first quote, backslash or control character (< 0x20) from a
 * position, found 16 bytes at a time by a WebAssembly SIMD function instead of a JavaScript byte loop.
 *
 * Why: most of a log record's bytes are inside strings, and a byte loop under V8 costs 15-20 instructions per byte
 * (bounds, overflow and interrupt checks); the SIMD loop costs about one. The JSON scanner copies each chunk into this
 * module's memory (`load`) and asks for stops in it (`stop`). The module is assembled below, byte by byte, from
 * WebAssembly's binary format (core spec 1.0 + fixed-width SIMD), so there is no build step and no binary to trust.
 * Where WebAssembly or its SIMD is unavailable, `createStringStops` returns undefined and the scanner loops in
 * JavaScript, with the same results.
 */
export interface StringStops {
  /**
   * Copies `chunk` into the module's memory and returns a view of the copy (valid until the next `load`): the bytes
   * `stop` searches. Undefined for a chunk larger than MAX_CHUNK_BYTES: search it in JavaScript.
   */
  load(chunk: Uint8Array): Uint8Array | undefined;
  /** Index of the first quote, backslash or byte below 0x20 in the loaded bytes [from, end), or `end`. */
  stop(from: number, end: number): number;
}

const PAGE = 64 * 1024;
/** Bytes a 16-byte load may read past the loaded chunk (masked out by the comparison with `end`). */
const OVER_READ = 16;
/**
 * The memory is never grown: growing detaches its old ArrayBuffer, and the first detach anywhere in a V8 process
 * makes every typed-array access of optimized code check for it from then on (measured under callgrind: the bundled
 * worker's instructions per event went from 96,404 with a growing memory to 80,556 with this fixed one). S3 bodies
 * and gunzip arrive in chunks of 16-64 KiB; a larger one is searched in JavaScript.
 */
const PAGES = 17;
export const MAX_CHUNK_BYTES = PAGES * PAGE - OVER_READ;

export function createStringStops(): StringStops | undefined {
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(STRING_STOPS_MODULE));
  } catch {
    return undefined;
  }
  const memory = instance.exports.memory as WebAssembly.Memory;
  const stop = instance.exports.stop as (from: number, end: number) => number;
  const bytes = new Uint8Array(memory.buffer);
  return {
    load(chunk: Uint8Array): Uint8Array | undefined {
      if (chunk.length > MAX_CHUNK_BYTES) return undefined;
      bytes.set(chunk);
      return bytes.subarray(0, chunk.length);
    },
    stop,
  };
}

// ---- The module, in WebAssembly's binary format.

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32LtU: 0x49,
  i32Ctz: 0x68,
  i32Add: 0x6a,
  empty: 0x40,
} as const;
/** SIMD instructions: the 0xfd prefix and their (single-byte LEB128) opcodes. */
const simd = {
  load: [0xfd, 0x00, 0x00, 0x00], // v128.load, align 2^0, offset 0
  i8x16Splat: [0xfd, 0x0f],
  i8x16Eq: [0xfd, 0x23],
  i8x16LtU: [0xfd, 0x26],
  or: [0xfd, 0x50],
  i8x16Bitmask: [0xfd, 0x64],
} as const;

function leb128(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

function section(id: number, content: number[]): number[] {
  return [id, ...leb128(content.length), ...content];
}

function name(text: string): number[] {
  return [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
}

/** `i32.const value` (signed LEB128: 64 and above take two bytes, as bit 6 is the sign). */
function i32Const(value: number): number[] {
  return value >= 0 && value < 64 ? [op.i32Const, value] : [op.i32Const, (value & 0x7f) | 0x80, value >> 7];
}

/** `i8x16.splat(byte)`: sixteen copies of one byte. */
function splat(byte: number): number[] {
  return [...i32Const(byte), ...simd.i8x16Splat];
}

// stop(from, end): locals 0 = i (from), 1 = end, 2 = bits (i32), 3 = block (v128).
const I = 0;
const END = 1;
const BITS = 2;
const BLOCK = 3;
const STOP_BODY = [
  2, // two local declarations
  1,
  I32,
  1,
  V128,
  op.block,
  op.empty,
  op.loop,
  op.empty,
  // if (i >= end) break: the answer is end.
  op.localGet,
  I,
  op.localGet,
  END,
  op.i32GeU,
  op.brIf,
  1,
  // block = the 16 bytes at i; bits = one bit per byte that is '"', '\' or below 0x20.
  op.localGet,
  I,
  ...simd.load,
  op.localTee,
  BLOCK,
  ...splat(0x22),
  ...simd.i8x16Eq,
  op.localGet,
  BLOCK,
  ...splat(0x5c),
  ...simd.i8x16Eq,
  ...simd.or,
  op.localGet,
  BLOCK,
  ...splat(0x20),
  ...simd.i8x16LtU,
  ...simd.or,
  ...simd.i8x16Bitmask,
  op.localTee,
  BITS,
  op.if,
  op.empty,
  // i += ctz(bits); return i < end ? i : end (a stop past end is a byte read beyond the chunk).
  op.localGet,
  I,
  op.localGet,
  BITS,
  op.i32Ctz,
  op.i32Add,
  op.localTee,
  I,
  op.localGet,
  END,
  op.localGet,
  I,
  op.localGet,
  END,
  op.i32LtU,
  op.select,
  op.return,
  op.end,
  op.localGet,
  I,
  ...i32Const(16),
  op.i32Add,
  op.localSet,
  I,
  op.br,
  0,
  op.end,
  op.end,
  op.localGet,
  END,
  op.end,
];

const STRING_STOPS_MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...section(1, [1, 0x60, 2, I32, I32, 1, I32]), // types: (i32, i32) -> i32
  ...section(3, [1, 0]), // functions: one, of type 0
  ...section(5, [1, 0x01, PAGES, PAGES]), // memory: one, of PAGES pages, not growable
  ...section(7, [2, ...name("stop"), 0x00, 0, ...name("memory"), 0x02, 0]), // exports
  ...section(10, [1, ...leb128(STOP_BODY.length), ...STOP_BODY]), // code
]);
