import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type LinePiece, LineSplitter } from "../../../worker/formats/line-splitter.ts";
import { pushAtCuts } from "../../helpers/push-at-cuts.ts";

function lines(bytes: Uint8Array, cuts: number[] = [], max?: number): LinePiece[] {
  return pushAtCuts(new LineSplitter(max), bytes, cuts);
}

const bytesOf = (text: string) => new TextEncoder().encode(text);

describe("LineSplitter", () => {
  it("handles CRLF, a BOM, blank lines and a last line without newline", () => {
    const text = "\uFEFFfirst\r\n\r\n  \nsecond line\nthird";
    const found = lines(bytesOf(text), [1, 2, 3, 8]);
    assert.deepEqual(
      found.map((l) => [l.text, l.offset]),
      [
        ["first", 0],
        ["second line", 15],
        ["third", 27],
      ],
    );
  });

  it("turns bytes that are not UTF-8 into U+FFFD instead of failing", () => {
    const found = lines(new Uint8Array([0x61, 0xff, 0xfe, 0x62, 0x0a]));
    assert.deepEqual(
      found.map((l) => l.text),
      ["a\uFFFD\uFFFDb"],
    );
  });

  it("flags a line longer than the limit as oversize without keeping it", () => {
    const found = lines(bytesOf(`${"x".repeat(100)}\nok\n`), [10, 50], 64);
    assert.deepEqual(
      found.map((l) => [l.oversize, l.text]),
      [
        [true, ""],
        [false, "ok"],
      ],
    );
  });

  it("gives the same lines whatever the chunking, never one with a line break (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 8 }),
        (bytes, cuts) => {
          const whole = lines(bytes).map((l) => l.text);
          const chunked = lines(bytes, cuts).map((l) => l.text);
          assert.deepEqual(chunked, whole);
          for (const text of whole) assert.ok(!text.includes("\n") && !/^[ \t\r]*$/.test(text));
        },
      ),
      { numRuns: 500 },
    );
  });
});
