import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CLOUDTRAIL_FIELDS } from "../../../worker/formats/cloudtrail.ts";
import { type JsonPiece, JsonSplitter } from "../../../worker/formats/json-splitter.ts";
import { pushAtCuts } from "../../helpers/push-at-cuts.ts";
import {
  assertFieldsAsParsed,
  expectedFields,
  jsonValue,
  mutatedRecordText,
  plainRecordText,
  recordText,
  ws,
} from "./json-texts.ts";

const encoder = new TextEncoder();
const WANTED: readonly string[] = CLOUDTRAIL_FIELDS;

const element = fc.oneof(
  { weight: 4, arbitrary: plainRecordText },
  { weight: 4, arbitrary: recordText },
  { weight: 2, arbitrary: mutatedRecordText },
  { weight: 1, arbitrary: jsonValue },
);

function split(body: Uint8Array, cuts: number[], fields: boolean): JsonPiece[] {
  const splitter = new JsonSplitter({ splitKeys: ["Records"], strict: false, fields: fields ? WANTED : undefined });
  return pushAtCuts(splitter, body, cuts);
}

describe("JsonSplitter fields (property)", () => {
  it("frames exactly as without fields, and every field it reads is JSON.parse's, cut anywhere", () => {
    const tally = { records: 0, read: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(ws, element), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (elements, cutsAt, oneByte) => {
          const body = encoder.encode(`{"Records":[${elements.map(([a, e]) => a + e).join(",")}]}`);
          const cuts = oneByte ? [...body.keys()] : cutsAt.map((c) => c % (body.length + 1));
          assertFieldsAsParsed(split(body, cuts, true), split(body, cuts, false), WANTED, tally);
        },
      ),
      { numRuns: 1500 },
    );
    assert.ok(
      tally.read > tally.records / 4,
      `fields read for ${tally.read} of ${tally.records} records: the fast path is hardly exercised`,
    );
  });

  it("reads a valid object whatever the chunking, unless a watched string has an escape", () => {
    fc.assert(
      fc.property(fc.oneof(plainRecordText, recordText), fc.array(fc.nat(), { maxLength: 8 }), (text, cutsAt) => {
        const body = encoder.encode(`{"Records":[${text}]}`);
        const [piece] = split(
          body,
          cutsAt.map((c) => c % (body.length + 1)),
          true,
        );
        const expected = expectedFields(text, WANTED);
        if (expected === "invalid") return;
        if (piece.fields === undefined) {
          // Only an escape (in a depth-1 key or value, or cut by a chunk's end) or nesting is left to JSON.parse.
          assert.ok(text.includes("\\"), `a valid record without escapes was not read: ${text}`);
          return;
        }
        assert.deepEqual(piece.fields, expected, text);
      }),
      { numRuns: 1500 },
    );
  });

  it("leaves to JSON.parse what it is not sure of, and rejects nothing JSON.parse accepts by itself", () => {
    const cases: [string, boolean][] = [
      ['{"eventName":"a","eventName":1,"x":{"eventName":"n"},"eventSource":"s"}', true],
      ['{"event\\u004eame":"a"}', false],
      ['{"eventName":"a\\u0062"}', false],
      ['{"other":"a\\u0062\\n"}', true],
      ['{"a":01}', false],
      ['{"a":1.}', false],
      ['{"a":tru}', false],
      ['{"a":[1,]}', false],
      ['{"a":{"b"}}', false],
      ['{"a":[}]}', false],
      ['{"a":"\u0001"}', false],
      ['{"a":"\\x"}', false],
      ['{"a":"é","eventName":"ü"}', true],
      ['{ "eventTime" : "t" , "n" : -0.5e+3 }', true],
    ];
    for (const [text, read] of cases) {
      const [piece] = split(encoder.encode(`{"Records":[${text}]}`), [], true);
      assert.equal(piece.fields !== undefined, read, text);
      if (read) assert.deepEqual(piece.fields, expectedFields(piece.text, WANTED), text);
    }
  });
});
