import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { cloudTrailFormat } from "../../../worker/formats/cloudtrail.ts";
import { readWithFormat } from "../../../worker/formats/read-object.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";
import { newParseStats, type ParseStats } from "../../../worker/services/service-definition.ts";
import { anyText, recordText } from "./json-texts.ts";

const RUNS = 400;

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
