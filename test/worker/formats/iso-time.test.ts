import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseIsoTime } from "../../../worker/formats/iso-time.ts";

/** Two digits, or sometimes something else in their place (a letter, a sign, a space, one digit too many). */
const part = (max: number, width: number) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, "0")) },
    { weight: 1, arbitrary: fc.string({ minLength: width, maxLength: width + 1 }) },
  );

/** Timestamps shaped like CloudTrail's, valid and not: out-of-range fields, February 29-31, 24:00, years 0-99. */
const timestamps = fc
  .tuple(part(9999, 4), part(13, 2), part(32, 2), part(25, 2), part(61, 2), part(61, 2), fc.constantFrom("Z", "z", "+"))
  .map(([y, mo, d, h, mi, s, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);

describe("parseIsoTime", () => {
  it("gives the same time as new Date for any timestamp of CloudTrail's shape, valid or not", () => {
    fc.assert(
      fc.property(timestamps, (text) => {
        assert.equal(parseIsoTime(text).getTime(), new Date(text).getTime(), text);
      }),
      { numRuns: 20_000 },
    );
  });

  it("reads the shapes it does not shorten with new Date", () => {
    for (const text of [
      "2026-11-22T10:00:00.123Z",
      "2026-11-22",
      "2026-02-30T00:00:00Z",
      "0050-01-01T00:00:00Z",
      "x",
    ]) {
      assert.equal(parseIsoTime(text).getTime(), new Date(text).getTime(), text);
    }
  });
});
