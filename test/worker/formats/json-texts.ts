import assert from "node:assert/strict";
import fc from "fast-check";
import { CLOUDTRAIL_FIELDS } from "../../../worker/formats/cloudtrail.ts";
import { type JsonFieldValue, type JsonPiece, NESTED_JSON_VALUE } from "../../../worker/formats/json-splitter.ts";

/**
 * JSON texts as a writer could produce them, not only as JSON.stringify would, for the property tests of the field
 * reading: the wanted keys of CloudTrail and of the NDJSON formats (duplicated, nested, \u-escaped), escapes, Unicode,
 * whitespace, deep nesting, and cut or mutated texts that are mostly invalid.
 */
/**
 * The keys the other JSON formats read while framing: the NDJSON formats' time fields (WAF, Cloudflare, CrowdStrike,
 * SentinelOne, Lacework), GuardDuty's envelope and time, AWS Config's configuration item, Route 53 Resolver's time.
 */
export const JSON_FORMAT_FIELDS = [
  "timestamp",
  "When",
  "EdgeStartTimestamp",
  "event.time",
  "EVENT_TIME",
  "START_TIME",
  "detail-type",
  "source",
  "detail",
  "updatedAt",
  "configurationItemCaptureTime",
  "configurationItemStatus",
  "resourceType",
  "query_timestamp",
];
const WANTED_KEYS = [...CLOUDTRAIL_FIELDS, ...JSON_FORMAT_FIELDS];

export const ws = fc.constantFrom("", "", "", " ", "\n", "\t", "\r\n  ");

/** One piece of a string's contents, as written between its quotes. */
const stringPiece = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s).slice(1, -1)) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 4 }).map((s) => JSON.stringify(s).slice(1, -1)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '\\"',
      "\\\\",
      "\\/",
      "\\b",
      "\\f",
      "\\n",
      "\\r",
      "\\t",
      "\\u0041",
      "\\u00e9",
      "\\u00E9",
      "\\u2028",
      "\\ud83d\\ude00",
      "\\uD83D\\uDE00",
      "\\ud800",
      "\\udfff",
      "\\u0000",
      "😀",
      "\u2028",
      "é",
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      "eventSource",
      '\\"eventName\\":\\"x\\"',
    ),
  },
);
const stringBody = fc.array(stringPiece, { maxLength: 5 }).map((parts) => parts.join(""));

/** A wanted key written plainly, or with one of its characters as a \u escape. */
const wantedKey = fc.tuple(fc.constantFrom(...WANTED_KEYS), fc.nat(), fc.boolean()).map(([key, at, escaped]) => {
  if (!escaped) return key;
  const i = at % key.length;
  const hex = key.charCodeAt(i).toString(16).padStart(4, "0");
  return `${key.slice(0, i)}\\u${at % 2 === 0 ? hex : hex.toUpperCase()}${key.slice(i + 1)}`;
});
const keyText = fc.oneof(
  { weight: 4, arbitrary: wantedKey },
  {
    weight: 1,
    arbitrary: fc.constantFrom("eventsource", "eventName ", "EventName", "event", "__proto__", "", "Record"),
  },
  { weight: 3, arbitrary: stringBody },
);

/** Values of the wanted fields, so the tags and times they make are exercised too. */
const fieldValue = fc.constantFrom(
  "1732270830123",
  "1732270830",
  "1732270830.5",
  "1732270830123456789",
  "-1",
  "1e3",
  '"1732270830"',
  '"2026-11-22T10:20:30+01:00"',
  '"iam.amazonaws.com"',
  '"s3.amazonaws.com"',
  '"ec2.amazon\\u0061ws.com"',
  '"Weird Source/..x"',
  '"ConsoleLogin"',
  '"GetObject"',
  '"Insight"',
  '"AwsCloudTrailInsight"',
  '"2026-11-22T10:20:30Z"',
  '"2026-11-22T10:20:30.123Z"',
  '"not a time"',
  '"123456789012"',
  '"eu-west-1"',
  '"1.08"',
  '"DATA_MESSAGE"',
  '"AWS API Call via CloudTrail"',
  '""',
);

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom("-0", "0", "1e5", "1E+5", "-1.5e-3", "123456789012345678901234567890", "0.0", "1e999"),
);

export const { value: jsonValue } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("true", "false", "null"),
    numberText,
    stringBody.map((s) => `"${s}"`),
    fieldValue,
    tie("object"),
    tie("array"),
  ),
  object: fc
    .array(fc.tuple(ws, keyText, ws, ws, tie("value"), ws), { maxLength: 5 })
    .map((members) => `{${members.map(([a, k, b, c, v, d]) => `${a}"${k}"${b}:${c}${v}${d}`).join(",")}}`),
  array: fc
    .array(fc.tuple(ws, tie("value"), ws), { maxLength: 4 })
    .map((items) => `[${items.map(([a, v, b]) => `${a}${v}${b}`).join(",")}]`),
}));

/** A top-level record: mostly wanted keys (duplicates included) with CloudTrail-like or arbitrary values. */
export const recordText = fc
  .array(fc.tuple(ws, keyText, ws, fc.oneof(fieldValue, jsonValue)), { maxLength: 12 })
  .chain((members) =>
    fc
      .tuple(ws, ws)
      .map(([before, after]) => `${before}{${members.map(([a, k, b, v]) => `${a}"${k}"${b}:${v}`).join(",")}}${after}`),
  );

/** Deep nesting, with wanted key names inside it. */
const deepText = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.boolean()).map(([depth, objects]) => {
  let inner = '"eventName":"Inner"';
  for (let d = 0; d < depth; d++) inner = objects ? `"eventSource":{${inner}}` : `"eventSource":[{${inner}}]`;
  return `{"eventName":"Outer",${inner},"eventTime":"2026-01-01T00:00:00Z"}`;
});

/** A text cut, or with a character inserted or replaced: mostly invalid JSON. */
function mutate(text: string, at: number, how: number, char: string): string {
  const i = at % (text.length + 1);
  if (how === 0) return text.slice(0, i) + text.slice(i + 1);
  if (how === 1) return text.slice(0, i) + char + text.slice(i);
  if (how === 2) return text.slice(0, i);
  return text.slice(0, i) + char + text.slice(i + 1);
}
const mutation = fc.constantFrom('"', "\\", "{", "}", "[", "]", ",", ":", "\u0001", "\n", "x", "0", "-", ".", "e", " ");
export const anyText = fc.oneof(
  { weight: 4, arbitrary: recordText },
  { weight: 1, arbitrary: deepText },
  { weight: 1, arbitrary: jsonValue },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.oneof(recordText, deepText), fc.nat(), fc.integer({ min: 0, max: 3 }), mutation)
      .map(([text, at, how, char]) => mutate(text, at, how, char)),
  },
);

// ---- The reader against JSON.parse ----

/** A parsed value as the scanner gives a field's: itself, but an object or array is NESTED_JSON_VALUE. */
export function asFieldValue(value: unknown): JsonFieldValue {
  return value !== null && typeof value === "object" ? NESTED_JSON_VALUE : (value as JsonFieldValue);
}

/** The `wanted` fields of a record as JSON.parse reads them, or "invalid" for what it rejects or is no object. */
export function expectedFields(text: string, wanted: readonly string[]): JsonFieldValue[] | "invalid" {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "invalid";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return "invalid";
  const object = parsed as Record<string, unknown>;
  return wanted.map((k) => (Object.hasOwn(object, k) ? asFieldValue(object[k]) : undefined));
}

/**
 * The pieces framed with the `wanted` fields are those framed without them, and every field read is JSON.parse's;
 * `tally` counts the records and those whose fields were read.
 */
export function assertFieldsAsParsed(
  withFields: JsonPiece[],
  plain: JsonPiece[],
  wanted: readonly string[],
  tally: { records: number; read: number },
): void {
  assert.deepEqual(
    withFields.map(({ fields: _fields, ...piece }) => piece),
    plain,
    "the same pieces as without fields",
  );
  for (const piece of withFields) {
    if (piece.kind !== "record") continue;
    tally.records++;
    if (piece.fields === undefined) continue;
    tally.read++;
    const expected = expectedFields(piece.text, wanted);
    assert.notEqual(expected, "invalid", `read fields of what JSON.parse rejects or is no object: ${piece.text}`);
    assert.deepEqual(piece.fields, expected, piece.text);
  }
}

/** A record cut, or with a character inserted or replaced: mostly invalid JSON that the splitter still frames. */
export const mutatedRecordText = fc
  .tuple(recordText, fc.nat(), fc.integer({ min: 0, max: 3 }), mutation)
  .map(([text, at, how, char]) => mutate(text, at, how, char));

/** A record with no escape at all, which the fast path must always read: wanted keys and plain values. */
export const plainRecordText = fc
  .array(
    fc.tuple(
      ws,
      fc.oneof(fc.constantFrom(...WANTED_KEYS), fc.constantFrom("other", "eventname", "")),
      ws,
      fc.oneof(
        fieldValue.filter((v) => !v.includes("\\")),
        numberText,
        fc.constantFrom("true", "false", "null", "[]", "{}", '{"eventName":"nested"}', '["eventSource"]'),
      ),
    ),
    { maxLength: 10 },
  )
  .map((members) => `{${members.map(([a, k, b, v]) => `${a}"${k}"${b}:${v}`).join(",")}}`);
