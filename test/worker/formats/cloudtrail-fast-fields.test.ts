import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CLOUDTRAIL_FIELDS, cloudTrailFormat } from "../../../worker/formats/cloudtrail.ts";
import { readWithFormat } from "../../../worker/formats/read-object.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";
import { newParseStats, type ParseStats } from "../../../worker/services/service-definition.ts";

const RUNS = 400;

// ---- JSON text generators: text as a writer could produce it, not only as JSON.stringify would. ----

const ws = fc.constantFrom("", "", "", " ", "\n", "\t", "\r\n  ");

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
const wantedKey = fc.tuple(fc.constantFrom(...CLOUDTRAIL_FIELDS), fc.nat(), fc.boolean()).map(([key, at, escaped]) => {
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

/** Values of CloudTrail's own fields, so the tags and times they make are exercised too. */
const fieldValue = fc.constantFrom(
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

const { value: jsonValue } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
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
const recordText = fc
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
const anyText = fc.oneof(
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

/** Levels of objects and arrays in a parsed value (`{}` is 1). */
// ---- Every CloudTrail event the same with and without the fields read while framing ----

interface Outcome {
  events: { tag: string; message: string; time?: number }[];
  stats: ParseStats;
  error?: string;
}

async function readCloudTrail(
  body: string,
  fast: boolean,
  strict: boolean,
  options: Record<string, unknown>,
  fixedLevel: string | undefined,
): Promise<Outcome> {
  const stats = newParseStats();
  const context = { bucket: "b", key: "AWSLogs/111122223333/CloudTrail/x.json", options, stats };
  const events: Outcome["events"] = [];
  const bytes = new TextEncoder().encode(body);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += 97) yield bytes.slice(i, i + 97);
  }
  try {
    for await (const batch of readWithFormat(cloudTrailFormat(fixedLevel, strict, fast), chunks(), context)) {
      for (const event of batch as DevoEvent[]) {
        events.push({ tag: event.tag, message: event.message, time: event.time?.getTime() });
      }
    }
  } catch (error) {
    return { events, stats, error: String(error) };
  }
  return { events, stats };
}

const taggingOptions = fc.record({
  drop_event_names: fc.constantFrom([], ["ConsoleLogin"], ["GetObject", "ConsoleLogin"]),
  use_region_and_account_id_from_event: fc.boolean(),
  auto_event_type: fc.boolean(),
});

describe("CloudTrail with and without the fields read while framing (property)", () => {
  it("gives the same events (tag, message, time) and counts from a log file", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyText, { maxLength: 8 }),
        taggingOptions,
        fc.constantFrom(undefined, "events"),
        async (records, options, fixedLevel) => {
          const body = `{"Records":[${records.map((r) => (r.trim() === "" ? "{}" : r)).join(",")}]}`;
          const fast = await readCloudTrail(body, true, true, options, fixedLevel);
          const full = await readCloudTrail(body, false, true, options, fixedLevel);
          assert.deepEqual(fast, full);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("gives the same events from Firehose deliveries (concatenated values, envelopes, CloudWatch payloads)", async () => {
    const envelope = fc.oneof(
      anyText,
      recordText.map((r) => `{"detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":${r}}`),
      recordText.map((r) => `{"detail-type":"x","detail":"not an object",${r.trim().slice(1)}`),
      recordText.map(
        (r) => `{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":${JSON.stringify(r)}}]}`,
      ),
      fc.constant('{"messageType":"CONTROL_MESSAGE","logEvents":[]}'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(envelope, fc.constantFrom("", "\n")), { maxLength: 6 }),
        taggingOptions,
        async (values, options) => {
          const body = values.map(([v, sep]) => v + sep).join("");
          const fast = await readCloudTrail(body, true, false, options, undefined);
          const full = await readCloudTrail(body, false, false, options, undefined);
          assert.deepEqual(fast, full);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
