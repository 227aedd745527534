import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CLOUDTRAIL_FIELDS } from "../../../worker/formats/cloudtrail.ts";
import {
  type JsonPiece,
  type JsonSplitOptions,
  JsonSplitter,
  useSimdStringSearch,
} from "../../../worker/formats/json-splitter.ts";
import { createStringStops, MAX_CHUNK_BYTES } from "../../../worker/formats/string-stops.ts";
import { pushAtCuts } from "../../helpers/push-at-cuts.ts";
import { anyText, ws } from "./json-texts.ts";

/** The definition: the first quote, backslash or byte below 0x20 in [from, end), or end. */
function referenceStop(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = bytes[i];
    if (c === 0x22 || c === 0x5c || c < 0x20) return i;
  }
  return end;
}

/** Bytes where stops are common enough to land anywhere in a 16-byte block, and every other byte value occurs. */
const byte = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0x22, 0x5c, 0x00, 0x0a, 0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xff) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

/** The pieces a splitter with `options` frames from `body` cut at `cuts`, with the SIMD string search on or off. */
function splitWith(simd: boolean, options: JsonSplitOptions, body: Uint8Array, cuts: number[]): JsonPiece[] {
  useSimdStringSearch(simd);
  try {
    return pushAtCuts(new JsonSplitter(options), body, cuts);
  } finally {
    useSimdStringSearch(true);
  }
}

describe("string stops (WebAssembly SIMD)", () => {
  const stops = createStringStops();

  it("is available on this runtime (Node 24 and Deno 2 have WebAssembly SIMD)", () => {
    assert.ok(stops, "createStringStops gave nothing: the JSON scanner would fall back to its JavaScript loop");
  });

  it("finds the same stop as a byte loop, for any bytes and range, after loads of any size", () => {
    if (!stops) return;
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 200 }), { minLength: 1, maxLength: 3 }),
        fc.array(byte, { maxLength: 120 }),
        fc.nat(),
        fc.nat(),
        (earlier, last, a, b) => {
          // Earlier, longer loads leave bytes behind the last one: a stop among them must not be reported.
          for (const bytes of earlier) stops.load(bytes);
          const view = stops.load(Uint8Array.from(last)) ?? assert.fail("a small chunk fits");
          const from = a % (last.length + 1);
          const end = from + (b % (last.length - from + 1));
          assert.equal(stops.stop(from, end), referenceStop(view, from, end));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("declines a chunk larger than its memory, which the scanner then searches in JavaScript", () => {
    if (!stops) return;
    assert.equal(stops.load(new Uint8Array(MAX_CHUNK_BYTES + 1)), undefined);
    const full = new Uint8Array(MAX_CHUNK_BYTES).fill(0x61);
    full[full.length - 2] = 0x22;
    assert.deepEqual(stops.load(full), full);
    assert.equal(stops.stop(0, full.length), full.length - 2);
    assert.equal(stops.stop(full.length - 1, full.length), full.length);
    // A splitter given a chunk over the limit between two that fit: the same pieces as without SIMD.
    const record = `{"eventName":"${"x".repeat(MAX_CHUNK_BYTES)}","eventSource":"a\\\\"}`;
    const body = new TextEncoder().encode(`{"Records":[${record},${record}]}`);
    const cuts = [100, 100 + MAX_CHUNK_BYTES + 50, body.length - 10];
    const options = { splitKeys: ["Records"], fields: CLOUDTRAIL_FIELDS };
    const pieces = splitWith(true, options, body, cuts);
    assert.equal(pieces.length, 2);
    assert.deepEqual(pieces, splitWith(false, options, body, cuts));
  });

  it("gives the JSON scanner the same pieces and fields as its JavaScript loop, cut anywhere, NDJSON too", () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(ws, anyText), { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        (elements, cutsAt, fields) => {
          // With `fields`, CloudTrail's Records; without, the same texts as NDJSON (top-level values, resync).
          const texts = elements.map(([a, e]) => a + e);
          const body = encoder.encode(
            fields
              ? `{"Records":[${texts.join(",")}]}\n[1,"x\\"y"]`
              : `${texts.join("\n")}\n{"a":"b\nc"}\n${texts.join("\n")}`,
          );
          const options = fields
            ? { splitKeys: ["Records"], strict: false, fields: CLOUDTRAIL_FIELDS }
            : { lineResync: true };
          const cuts = cutsAt.map((c) => c % (body.length + 1));
          assert.deepEqual(splitWith(true, options, body, cuts), splitWith(false, options, body, cuts));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
