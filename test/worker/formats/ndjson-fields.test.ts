import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { route53Format } from "../../../worker/formats/access-log-formats.ts";
import { awsConfigFormat } from "../../../worker/formats/aws-config.ts";
import { guardDutyFormat, wafFormat } from "../../../worker/formats/aws-json-formats.ts";
import { customFormat } from "../../../worker/formats/custom-processors.ts";
import { useJsonFieldReader } from "../../../worker/formats/json-records-format.ts";
import {
  type JsonFieldValue,
  type JsonPiece,
  JsonSplitter,
  NESTED_JSON_VALUE,
} from "../../../worker/formats/json-splitter.ts";
import type { ObjectFormat } from "../../../worker/formats/object-format.ts";
import { readWithFormat } from "../../../worker/formats/read-object.ts";
import {
  cloudflareAuditFormat,
  cloudflareHttpFormat,
  crowdStrikeFdrFormat,
  laceworkFormat,
  sentinelOneFormat,
} from "../../../worker/formats/vendor-formats.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";
import { newParseStats, type ParseStats } from "../../../worker/services/service-definition.ts";
import { pushAtCuts } from "../../helpers/push-at-cuts.ts";
import {
  anyText,
  assertFieldsAsParsed,
  expectedFields,
  JSON_FORMAT_FIELDS,
  jsonValue,
  mutatedRecordText,
  plainRecordText,
  recordText,
} from "./json-texts.ts";

const encoder = new TextEncoder();
const WANTED = JSON_FORMAT_FIELDS;

/** One record per line as the NDJSON formats frame them. */
function split(body: Uint8Array, cuts: number[], fields: boolean, topLevelArrays = false): JsonPiece[] {
  const splitter = new JsonSplitter({
    strict: false,
    lineResync: true,
    splitTopLevelArrays: topLevelArrays,
    fields: fields ? WANTED : undefined,
  });
  return pushAtCuts(splitter, body, cuts);
}

const text = fc.oneof(
  { weight: 4, arbitrary: plainRecordText },
  { weight: 4, arbitrary: recordText },
  { weight: 2, arbitrary: mutatedRecordText },
  { weight: 1, arbitrary: jsonValue },
);
/** Mostly one record per line, as written; sometimes with line breaks inside (pretty-printed, or cut). */
const line = fc.oneof(
  { weight: 3, arbitrary: text.map((t) => t.replace(/\r?\n/g, " ")) },
  { weight: 1, arbitrary: text },
);
/** What ends a line: NDJSON's line break, CRLF, Firehose's nothing at all, blank lines. */
const lineEnd = fc.constantFrom("\n", "\n", "\r\n", "", "\n\n", " \n");

describe("NDJSON fields read while framing (property)", () => {
  for (const topLevelArrays of [false, true]) {
    it(`frames exactly as without fields, and every field it reads is JSON.parse's, cut anywhere${topLevelArrays ? " (top-level arrays split)" : ""}`, () => {
      const tally = { records: 0, read: 0 };
      fc.assert(
        fc.property(
          fc.array(fc.tuple(line, lineEnd), { maxLength: 8 }),
          fc.array(fc.nat(), { maxLength: 12 }),
          fc.boolean(),
          (lines, cutsAt, oneByte) => {
            const body = encoder.encode(lines.map(([text, end]) => text + end).join(""));
            const cuts = oneByte ? [...body.keys()] : cutsAt.map((c) => c % (body.length + 1));
            const plain = split(body, cuts, false, topLevelArrays);
            assertFieldsAsParsed(split(body, cuts, true, topLevelArrays), plain, WANTED, tally);
          },
        ),
        { numRuns: 1500 },
      );
      assert.ok(
        tally.read > tally.records / 4,
        `fields read for ${tally.read} of ${tally.records} records: the fast path is hardly exercised`,
      );
    });
  }

  it("reads numbers, literals and containers as JSON.parse does, and leaves what it is not sure of", () => {
    const cases: [string, JsonFieldValue[] | undefined][] = [
      ['{"timestamp":1732270830123,"When":"2026-11-22T10:20:30Z"}', [1732270830123, "2026-11-22T10:20:30Z"]],
      ['{"timestamp":-0,"When":1e999,"EdgeStartTimestamp":-1.5E-3}', [-0, Number.POSITIVE_INFINITY, -1.5e-3]],
      ['{"timestamp":123456789012345678901234567890}', [1.2345678901234568e29]],
      ['{"timestamp":true,"When":false,"EdgeStartTimestamp":null}', [true, false, null]],
      ['{"timestamp":{"When":1},"When":[2],"event.time" : 3 }', [NESTED_JSON_VALUE, NESTED_JSON_VALUE, undefined, 3]],
      ['{"timestamp":1,"timestamp":"x"}', ["x"]],
      ['{"timestamp":"x","timestamp":2}', [2]],
      ['{"timestamp":01}', undefined],
      ['{"timestamp":1.}', undefined],
      ['{"timestamp":tru}', undefined],
      ['{"timestamp":"a\\u0062"}', undefined],
      ['{"timest\\u0061mp":1}', undefined],
    ];
    for (const [text, values] of cases) {
      const [piece] = split(encoder.encode(`${text}\n`), [], true);
      assert.equal(piece.kind, "record", text);
      if (values === undefined) {
        assert.equal(piece.fields, undefined, text);
        continue;
      }
      const expected = expectedFields(text, WANTED);
      assert.deepEqual(piece.fields, expected, text);
      // The table's own values, as a check of the check.
      assert.deepEqual(piece.fields?.slice(0, values.length), values, text);
    }
  });

  it("a record cut at a line break is skipped alone, and the next line is read with its fields", () => {
    const body = encoder.encode('{"timestamp":1,"a":[1,\n{"timestamp":2}\n{"timestamp":3, "b":\n"c"}\n');
    const pieces = split(body, [], true);
    assert.deepEqual(
      pieces.map((p) => [p.kind, p.fields?.[0]]),
      [
        ["unterminated", undefined],
        ["record", 2],
        // A line break outside strings inside a record: framed as before (one record), not read.
        ["record", undefined],
      ],
    );
    assert.deepEqual(
      split(body, [], false).map((p) => p.kind),
      pieces.map((p) => p.kind),
    );
  });

  it("reads the elements of a pretty-printed top-level array: a line break there is whitespace, not a cut", () => {
    const body = encoder.encode(
      '[\n  {\n    "timestamp": 1,\n    "When": "x"\n  },\n  {\n    "timestamp": 2\n  }\n]\n',
    );
    assert.deepEqual(
      split(body, [], true, true).map((p) => [p.kind, p.fields?.slice(0, 2)]),
      [
        ["record", [1, "x"]],
        ["record", [2, undefined]],
      ],
    );
  });
});

// ---- Every event of the JSON formats the same with and without the fields read ----

interface Outcome {
  events: { tag: string; message: string; time?: number }[];
  stats: ParseStats;
  error?: string;
}

async function readJson(format: ObjectFormat, body: string, key: string, fast: boolean): Promise<Outcome> {
  useJsonFieldReader(fast);
  const stats = newParseStats();
  const events: Outcome["events"] = [];
  try {
    const context = { bucket: "b", key, options: {}, stats };
    const bytes = encoder.encode(body);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 61) yield bytes.slice(i, i + 61);
    }
    for await (const batch of readWithFormat(format, chunks(), context)) {
      for (const event of batch as DevoEvent[]) {
        events.push({ tag: event.tag, message: event.message, time: event.time?.getTime() });
      }
    }
  } catch (error) {
    // Strict formats refuse a bad object: the same error, after the same events, both ways.
    return { events, stats, error: String(error) };
  } finally {
    useJsonFieldReader(true);
  }
  return { events, stats };
}

/** Lines of records, GuardDuty's EventBridge envelopes among them. */
const ndjsonBody = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 4, arbitrary: anyText },
        {
          weight: 1,
          arbitrary: recordText.map(
            (r) => `{"detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":${r}}`,
          ),
        },
        { weight: 1, arbitrary: recordText.map((r) => `{"detail-type":"x","source":"y","detail":[${r}]}`) },
        {
          weight: 1,
          arbitrary: recordText.map((r) => `{"detail-type":"x","detail":"not an object",${r.trim().slice(1)}`),
        },
      ),
      lineEnd,
    ),
    { maxLength: 8 },
  )
  .map((lines) => lines.map(([text, end]) => text + end).join(""));

/** Elements of an array a strict format reads: mostly valid records (one bad element fails the whole object). */
const item = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(plainRecordText, recordText) },
  { weight: 1, arbitrary: anyText.map((i) => (i.trim() === "" ? "{}" : i)) },
);
/** An AWS Config snapshot or history file, or what a custom service's JSON objects may hold. */
const itemsFile = (key: string) =>
  fc.array(item, { maxLength: 8 }).map((items) => `{"fileVersion":"1.0",${JSON.stringify(key)}:[${items.join(",")}]}`);
const arrayFile = fc.array(item, { maxLength: 8 }).map((items) => `[${items.join(",")}]`);

const FORMATS: [string, ObjectFormat, fc.Arbitrary<string>][] = [
  ["WAF", wafFormat, ndjsonBody],
  ["Cloudflare HTTP", cloudflareHttpFormat, ndjsonBody],
  ["Cloudflare audit", cloudflareAuditFormat, ndjsonBody],
  ["CrowdStrike FDR", crowdStrikeFdrFormat, ndjsonBody],
  ["SentinelOne", sentinelOneFormat, ndjsonBody],
  ["Lacework", laceworkFormat, fc.oneof(ndjsonBody, arrayFile)],
  ["GuardDuty", guardDutyFormat, ndjsonBody],
  ["AWS Config", awsConfigFormat, fc.oneof(itemsFile("configurationItems"), anyText)],
  ["custom unseparated_json_processor", customFormat("unseparated_json_processor"), ndjsonBody],
  ["custom single_json_object_processor", customFormat("single_json_object_processor"), anyText],
  [
    "custom json_object_to_linesplit_processor",
    customFormat("json_object_to_linesplit_processor"),
    itemsFile("Records"),
  ],
  ["custom json_array_processor", customFormat("json_array_processor"), arrayFile],
  ["custom json_line_arrays_processor", customFormat("json_line_arrays_processor"), fc.oneof(ndjsonBody, arrayFile)],
];

describe("JSON formats with and without the fields read while framing (property)", () => {
  for (const [name, format, body] of FORMATS) {
    it(`${name}: the same events (tag, message, time), counts and errors`, async () => {
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom("logs/x.json", "agent/dns_query/2026/x.json"), async (text, key) => {
          assert.deepEqual(await readJson(format, text, key, true), await readJson(format, text, key, false));
        }),
        { numRuns: 150 },
      );
    });
  }
});

/** Resolver query logs as AWS writes them: one whole JSON object per line, any keys, escapes and values. */
const resolverBody = fc
  .array(
    fc.tuple(
      fc.oneof(plainRecordText, recordText).map((t) => t.replace(/\r?\n/g, " ")),
      fc.constantFrom("\n", "\r\n", "\n\n", " \n"),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((lines) => lines.map(([text, end]) => text + end).join(""));

describe("Route 53 Resolver framed as NDJSON with its time read, against lines each parsed (property)", () => {
  it("the same events (message, time) and counts", async () => {
    const tally = { lines: 0, events: 0 };
    await fc.assert(
      fc.asyncProperty(resolverBody, async (text) => {
        const key = "AWSLogs/111122223333/vpcdnsquerylogs/vpc-0abc/2026/12/07/x.log.gz";
        const fast = await readJson(route53Format, text, key, true);
        assert.deepEqual(fast, await readJson(route53Format, text, key, false));
        tally.lines += text.split("\n").filter((line) => line.trim() !== "").length;
        tally.events += fast.events.length;
      }),
      { numRuns: 300 },
    );
    // Lines that are not JSON objects are skipped both ways; most must be read, or the property proves little.
    assert.ok(tally.events > tally.lines / 2, `${tally.events} events of ${tally.lines} lines`);
  });
});
