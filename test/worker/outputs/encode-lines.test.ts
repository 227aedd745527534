import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatJsonLine } from "../../../worker/outputs/devo-line.ts";
import { encodeLines } from "../../../worker/outputs/encode-lines.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";

describe("encodeLines", () => {
  it("gives exactly the UTF-8 bytes of the joined lines, whatever the characters and sizes", () => {
    const event = fc.record({
      tag: fc.constantFrom("cloud.aws.cloudtrail.iam", "web.aws.alb.access"),
      // Full Unicode (surrogate pairs, lone surrogates, 2- and 3-byte characters), empty and long messages.
      message: fc.oneof(
        fc.string({ unit: "grapheme", maxLength: 300 }),
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.string({ maxLength: 5000 }),
      ),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (batch: DevoEvent[]) => {
        const expected = Buffer.from(batch.map(formatJsonLine).join(""));
        assert.deepEqual(encodeLines(batch, formatJsonLine), expected);
      }),
      { numRuns: 500 },
    );
  });

  it("grows past its first estimate when lines are much longer than their messages", () => {
    const batch = Array.from({ length: 50 }, (_, i) => ({ tag: "t", message: String(i) }));
    const padded = (event: DevoEvent) => `${"é".repeat(400)}${event.message}\n`;
    const bytes = encodeLines(batch, padded);
    assert.equal(bytes.toString("utf8"), batch.map(padded).join(""));
    assert.equal(bytes.length, 50 * 800 + Buffer.byteLength(batch.map((e) => `${e.message}\n`).join("")));
  });
});
