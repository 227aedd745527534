import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import fc from "fast-check";
import { ObjectReadError } from "../../../worker/formats/object-read-error.ts";
import { SERVICES } from "../../../worker/services/catalog.ts";
import { read } from "./read-helpers.ts";

const objectServices = SERVICES.filter((s) => s.objectFormat).map((s) => s.name);
const optionsOf = (name: string): Record<string, unknown> =>
  name === "custom_service" ? { file_format: "split_or_unseparated_processor", routing_template: "my.[type]" } : {};

// Inputs that look like the real thing: JSON fragments, log-line pieces, gzip magic, line breaks, BOMs.
const fragment = fc.constantFrom(
  '{"Records":[',
  '{"eventVersion":"1.08","eventSource":"iam.amazonaws.com"}',
  '{"messageType":"DATA_MESSAGE","logEvents":[{"message":"a\\nb","timestamp":1}]}',
  '{"configurationItems":[{"resourceType":"x"}]}',
  "version account-id start",
  "#Fields: date time",
  "CEF:0|x|y|1|1|n|0| a=b",
  '"2024-03-01 10:00:00","x"',
  "]",
  "}",
  ",",
  '"',
  "\\",
  "\n",
  "\r\n",
  "\uFEFF",
  "\u0000",
  "é",
);
const textInput = fc.array(fragment, { maxLength: 30 }).map((parts) => new TextEncoder().encode(parts.join("")));
const input = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  textInput,
  textInput.map((bytes) => new Uint8Array(zlib.gzipSync(bytes))),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => new Uint8Array([0x1f, 0x8b, ...bytes])),
  textInput.map((bytes) => new Uint8Array(zlib.zstdCompressSync(bytes))),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, ...bytes])),
  fc.tuple(textInput, fc.nat()).map(([bytes, cut]) => {
    const zst = zlib.zstdCompressSync(bytes);
    return new Uint8Array(zst.subarray(0, cut % (zst.length + 1)));
  }),
);

describe("every object service on arbitrary bytes (property)", () => {
  for (const name of objectServices) {
    it(`${name}: reads or fails with an ObjectReadError, never another error; messages are single lines`, async () => {
      await fc.assert(
        fc.asyncProperty(input, fc.integer({ min: 1, max: 64 }), async (bytes, chunkSize) => {
          try {
            const { events, stats } = await read(name, bytes, {
              options: optionsOf(name),
              chunkSize,
              key: "AWSLogs/111122223333/CloudTrail/x",
            });
            assert.equal(stats.events, events.length);
            for (const event of events) {
              assert.ok(!event.message.includes("\n"), event.message);
              assert.ok(event.tag.length > 0 && !event.tag.includes(" "));
            }
          } catch (error) {
            assert.ok(error instanceof ObjectReadError, `${name}: ${String(error)}`);
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe("bad records inside a good object are skipped and counted (property)", () => {
  const goodLine = fc
    .record({ id: fc.integer(), name: fc.string() })
    .map((r) => JSON.stringify({ timestamp: 1709287200000, ...r }));
  const badLine = fc.constantFrom('{"timestamp":', "{oops}", '{"a":tru}', "[1,2", "42", '"text"');
  for (const name of [
    "aws_sqs_waf",
    "aws_sqs_fdr",
    "aws_sqs_cloudflare_logpush",
    "aws_sqs_s1_funnel",
    "aws_sqs_guard_duty",
  ]) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              goodLine.map((l) => ({ good: true, l })),
              badLine.map((l) => ({ good: false, l })),
            ),
            { maxLength: 20 },
          ),
          fc.integer({ min: 1, max: 100 }),
          async (lines, chunkSize) => {
            const text = lines.map((x) => x.l).join("\n");
            const { events, stats } = await read(name, text, { chunkSize });
            const good = lines.filter((x) => x.good).length;
            assert.equal(events.length, good, "every good record, whatever bad ones surround it");
            if (lines.every((x) => x.good)) assert.equal(stats.skipped, 0);
            if (lines.some((x) => !x.good)) assert.ok(stats.skipped > 0, "a bad record must be counted");
          },
        ),
        { numRuns: 100 },
      );
    });
  }

  it("aws_sqs_cloudtrail: every well-formed record is an event, every malformed one is counted", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant("good"), fc.constantFrom('{"eventSource":tru}', "17", "null", '["x"]')), {
          maxLength: 15,
        }),
        async (kinds) => {
          const items = kinds.map((k, i) =>
            k === "good"
              ? JSON.stringify({ eventVersion: "1.08", eventSource: "ec2.amazonaws.com", eventName: `E${i}` })
              : k,
          );
          const { events, stats } = await read("aws_sqs_cloudtrail", `{"Records":[${items.join(",")}]}`);
          const good = kinds.filter((k) => k === "good").length;
          assert.equal(events.length, good);
          assert.equal(stats.skipped, kinds.length - good);
        },
      ),
      { numRuns: 200 },
    );
  });
});
