import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  compactJson,
  type JsonPiece,
  type JsonSplitOptions,
  JsonSplitter,
} from "../../../worker/formats/json-splitter.ts";
import { ObjectReadError } from "../../../worker/formats/object-read-error.ts";
import { pushAtCuts } from "../../helpers/push-at-cuts.ts";

const encoder = new TextEncoder();

function split(text: string | Uint8Array, options: JsonSplitOptions, cuts: number[] = []): JsonPiece[] {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  return pushAtCuts(new JsonSplitter(options), bytes, cuts);
}

const records = (pieces: JsonPiece[]) => pieces.filter((p) => p.kind === "record").map((p) => p.text);

// Arbitrary JSON objects with strings full of quotes, backslashes, braces and multi-byte characters.
const trickyString = fc.string({
  unit: fc.constantFrom("a", '"', "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "é", "☃", "𝄞", "\u0000"),
});
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    trickyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(trickyString, tie("value"), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;
const record = fc.dictionary(trickyString, jsonValue, { maxKeys: 6, noNullPrototype: true });

describe("JsonSplitter", () => {
  it("streams the elements of Records and ignores the other keys of the container", () => {
    const text = '{"a":{"Records":[1]},"Records":[{"x":1}, {"y":[2,{"z":"]}"}]} , 3, "s"],"b":[{"no":1}]}';
    const pieces = split(text, { splitKeys: ["Records"], strict: true });
    assert.deepEqual(records(pieces), ['{"x":1}', '{"y":[2,{"z":"]}"}]}', "3", '"s"']);
    assert.ok(pieces.every((p) => p.from === "Records"));
  });

  it("keeps a top-level value without a split key whole", () => {
    const text = '{"digestStartTime":"t","logFiles":[{"s3Object":"k"}]}';
    assert.deepEqual(split(text, { splitKeys: ["Records"], strict: true }), [
      { kind: "record", text, offset: 0, from: "" },
    ]);
  });

  it("reports byte offsets and fails strict mode on text that is not JSON", () => {
    assert.throws(
      () => split('  {"Records":[]} x', { splitKeys: ["Records"], strict: true }),
      (error: Error) => {
        assert.ok(error instanceof ObjectReadError);
        assert.equal(error.message, "invalid JSON at byte 17: expected a JSON object");
        return true;
      },
    );
    assert.throws(
      () => split('{"Records":[{"a":"b', { splitKeys: ["Records"], strict: true }),
      /at byte 19: .*truncated/,
    );
  });

  it("counts garbage and a truncated tail in lenient mode", () => {
    const pieces = split('xx{"a":1}\n\nyy {"b":2}{"c":', { strict: false });
    assert.deepEqual(
      pieces.map((p) => [p.kind, p.offset]),
      [
        ["garbage", 0],
        ["record", 2],
        ["garbage", 11],
        ["record", 14],
        ["truncated", 21],
      ],
    );
  });

  it("with lineResync starts again at the next line after a record cut short, at any chunk boundary", () => {
    const text = '{"a":"cut\n{"b":1}\n[1,2\n{"c":{"d":\n{"e":2}';
    for (const cut of [0, 10, 11, 12, 20, 21]) {
      const pieces = split(text, { strict: false, lineResync: true }, [cut]);
      assert.deepEqual(
        pieces.map((p) => (p.kind === "record" ? p.text : p.kind)),
        ["unterminated", '{"b":1}', "unterminated", "unterminated", '{"e":2}'],
        `cut at ${cut}`,
      );
    }
    // Without it, the cut record swallows the rest.
    assert.equal(records(split(text, { strict: false })).length, 0);
  });

  it("skips a record over maxRecordBytes without keeping it", () => {
    const big = JSON.stringify({ big: "x".repeat(5000) });
    const pieces = split(
      `[${big},{"small":1}]`,
      { splitTopLevelArrays: true, maxRecordBytes: 1000 },
      [100, 2000, 4000],
    );
    assert.deepEqual(
      pieces.map((p) => p.kind),
      ["oversize", "record"],
    );
  });

  it("splits top-level arrays when asked, one per line or concatenated", () => {
    const pieces = split('[{"a":1},{"b":2}]\n[{"c":3}][]', { splitTopLevelArrays: true });
    assert.deepEqual(records(pieces), ['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("finds the same records whatever the chunk boundaries and whitespace (property)", () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.nat({ max: 4000 }), { maxLength: 12 }),
        (values, pretty, cuts) => {
          const text = JSON.stringify({ other: values[0] ?? null, Records: values, tail: "x" }, null, pretty ? 2 : 0);
          const found = records(split(text, { splitKeys: ["Records"], strict: true }, cuts));
          assert.deepEqual(
            found.map((t) => JSON.parse(t)),
            JSON.parse(JSON.stringify(values)),
          );
          for (const [i, t] of found.entries()) assert.equal(t, JSON.stringify(values[i]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws anything but ObjectReadError on arbitrary bytes, and never in lenient mode (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 5 }),
        (bytes, cuts) => {
          split(bytes, { strict: false, splitTopLevelArrays: true }, cuts);
          try {
            split(bytes, { splitKeys: ["Records"], strict: true }, cuts);
          } catch (error) {
            assert.ok(error instanceof ObjectReadError, String(error));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("compactJson", () => {
  it("removes whitespace outside strings only, keeping number literals as written", () => {
    assert.equal(
      compactJson('{ "a b" : [ 1.0 ,\n\t 12345678901234567890 ] , "c":"x\\" y" }'),
      '{"a b":[1.0,12345678901234567890],"c":"x\\" y"}',
    );
  });
});
