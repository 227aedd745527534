import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { type JsonPiece, JsonSplitter } from "../../../worker/formats/json-splitter.ts";
import type { ObjectFormat } from "../../../worker/formats/object-format.ts";
import { readInlineEvents } from "../../../worker/formats/read-inline-events.ts";
import { readWithFormat } from "../../../worker/formats/read-object.ts";
import { newParseStats } from "../../../worker/services/service-definition.ts";
import { chunked, read, service } from "./read-helpers.ts";

/** A JSON value nested `levels` deep: `{"a":{"a":…1…}}`. */
function nested(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/** An EventBridge event as Firehose delivers EventBridge rules' events, its `detail` given as JSON text. */
function eventBridgeEvent(id: string, detail: string, detailType = "AWS API Call via CloudTrail"): string {
  return `{"version":"0","id":"${id}","detail-type":"${detailType}","source":"aws.iam","account":"111122223333","time":"2026-01-05T10:00:00Z","region":"us-east-1","resources":[],"detail":${detail}}`;
}

const DEEP = nested(9000);

describe("records nested too deeply", () => {
  it("are skipped by the JSON splitter, their neighbours kept, whatever the chunking", () => {
    for (const size of [7, 4096, 1 << 20]) {
      const splitter = new JsonSplitter({ strict: false, lineResync: true });
      const bytes = new TextEncoder().encode(`{"n":1}\n${DEEP}\n${nested(1000)}\n{"n":2}\n`);
      const pieces: JsonPiece[] = [];
      for (let i = 0; i < bytes.length; i += size) splitter.push(bytes.subarray(i, i + size), pieces);
      splitter.end(pieces);
      assert.deepEqual(
        pieces.map((piece) => piece.kind),
        ["record", "deep", "record", "record"],
        `chunks of ${size}`,
      );
    }
  });

  it("one EventBridge event 9,000 levels deep in a Firehose CloudTrail object: skipped and counted, neighbours delivered", async () => {
    const body = [
      eventBridgeEvent("a", '{"eventID":"good-1","eventSource":"iam.amazonaws.com","eventName":"GetUser"}'),
      eventBridgeEvent("b", `{"eventID":"deep","eventSource":"iam.amazonaws.com","x":${DEEP}}`),
      eventBridgeEvent("c", '{"eventID":"good-2","eventSource":"iam.amazonaws.com","eventName":"ListUsers"}'),
    ].join("\n");
    const result = await read("aws_sqs_cloudtrail_kinesis", zlib.gzipSync(body), { key: "firehose/2026/01/05/x.gz" });
    assert.deepEqual(
      result.events.map((event) => JSON.parse(event.message).eventID),
      ["good-1", "good-2"],
    );
    assert.equal(result.stats.skipped, 1);
    assert.deepEqual(Object.keys(result.stats.skipReasons), ["record nested deeper than 1000 levels"]);
  });

  it("the same for a GuardDuty finding wrapped in an EventBridge event (the detail is re-serialised)", async () => {
    const body = [
      eventBridgeEvent("a", '{"id":"f1","updatedAt":"2026-01-05T10:00:00Z"}', "GuardDuty Finding"),
      eventBridgeEvent("b", `{"id":"f2","service":${DEEP}}`, "GuardDuty Finding"),
      eventBridgeEvent("c", '{"id":"f3","updatedAt":"2026-01-05T10:00:00Z"}', "GuardDuty Finding"),
    ].join("\n");
    const result = await read("aws_sqs_guard_duty_kinesis", body);
    assert.deepEqual(
      result.events.map((event) => JSON.parse(event.message).id),
      ["f1", "f3"],
    );
    assert.deepEqual(result.stats.skipReasons, { "record nested deeper than 1000 levels": 1 });
  });

  it("a deep record inside a CloudTrail log file's Records array, and a deep JSON line of a text format (kept as written)", async () => {
    const file = `{"Records":[{"eventID":"e1","eventSource":"s3.amazonaws.com"},{"eventID":"e2","x":${DEEP}},{"eventID":"e3","eventSource":"s3.amazonaws.com"}]}`;
    const cloudTrail = await read("aws_sqs_cloudtrail", file, {
      key: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/05/x.json.gz",
    });
    assert.deepEqual(
      cloudTrail.events.map((event) => JSON.parse(event.message).eventID),
      ["e1", "e3"],
    );
    assert.deepEqual(cloudTrail.stats.skipReasons, { "record nested deeper than 1000 levels": 1 });

    // A line format keeps the line as written (JSON.parse does not recurse, nothing re-serialises it): delivered.
    const lines = `{"n":1}\n${DEEP}\n{"n":2}\n`;
    const custom = await read("custom_service", lines, {
      options: { file_format: "separated_json_processor", routing_template: "my.app.[record-n]" },
    });
    assert.deepEqual(
      custom.events.map((event) => event.tag),
      ["my.app.1", "my.app.unknown", "my.app.2"],
    );
    assert.equal(custom.events[1].message, DEEP);
  });

  it("a record that still exhausts the runtime while parsed is skipped alone, the events it began dropped", async () => {
    const definition = service("aws_sqs_waf");
    const format = definition.objectFormat?.({
      bucket: "b",
      key: "k",
      options: definition.options.parse({}),
      stats: newParseStats(),
    });
    assert.ok(format);
    const hostile: ObjectFormat = {
      framing: format.framing,
      open: (context) => {
        const inner = format.open(context);
        return {
          parse(record, out) {
            inner.parse(record, out);
            if (record.text.includes('"boom"')) throw new RangeError("Maximum call stack size exceeded");
          },
        };
      },
    };
    const stats = newParseStats();
    const context = { bucket: "b", key: "k", options: {}, stats };
    const events = [];
    const body = '{"timestamp":1,"n":1}\n{"timestamp":2,"boom":1}\n{"timestamp":3,"n":3}\n';
    for await (const batch of readWithFormat(hostile, chunked(body), context)) events.push(...batch);
    assert.deepEqual(
      events.map((event) => JSON.parse(event.message).timestamp),
      [1, 3],
    );
    assert.deepEqual(stats.skipReasons, {
      "record the runtime cannot process (Maximum call stack size exceeded)": 1,
    });
    assert.equal(stats.events, 2);
  });

  it("an inline EventBridge event (EventBridge → SQS) nested too deeply is skipped and counted", () => {
    for (const name of ["service-events-all", "sqs-cloudwatch-consumer"]) {
      const definition = service(name);
      const stats = newParseStats();
      const context = { bucket: "", key: "m-1", options: definition.options.parse({}), stats };
      const body = eventBridgeEvent("d", `{"findings":[${DEEP}]}`, "Security Hub Findings - Imported");
      assert.deepEqual(readInlineEvents(definition, body, context), [], name);
      assert.deepEqual(stats.skipReasons, { "record nested deeper than 1000 levels": 1 }, name);
    }
  });
});
