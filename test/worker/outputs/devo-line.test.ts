import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DevoLineFormatter, escapeNewlines, formatJsonLine, utf8Length } from "../../../worker/outputs/devo-line.ts";

describe("DevoLineFormatter", () => {
  const formatter = new DevoLineFormatter({ hostname: "collector-1" });

  it("writes PRI 14, the UTC time with milliseconds, host, tag and message", () => {
    const line = formatter.format({
      tag: "cloud.aws.cloudtrail.iam",
      message: '{"eventName":"CreateUser"}',
      time: new Date("2026-11-22T10:00:00.123Z"),
    });
    assert.equal(
      line,
      '<14>2026-11-22 10:00:00.123 collector-1 cloud.aws.cloudtrail.iam: {"eventName":"CreateUser"}\n',
    );
  });

  it("stamps the send time when the event has none, and pads milliseconds", () => {
    const now = Date.UTC(2027, 0, 2, 3, 4, 5, 7);
    assert.equal(
      formatter.format({ tag: "a.b", message: "x" }, now),
      "<14>2027-01-02 03:04:05.007 collector-1 a.b: x\n",
    );
  });

  it("falls back to the send time for an invalid Date", () => {
    const now = Date.UTC(2027, 0, 2, 3, 4, 5, 0);
    assert.equal(
      formatter.format({ tag: "a.b", message: "x", time: new Date(Number.NaN) }, now),
      "<14>2027-01-02 03:04:05.000 collector-1 a.b: x\n",
    );
  });

  it("matches toISOString for any time, across the per-second cache", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { minLength: 1, maxLength: 20 }),
        (times) => {
          for (const ms of times) {
            const iso = new Date(ms).toISOString();
            const expected = `<14>${iso.slice(0, 10)} ${iso.slice(11, 23)} collector-1 t.x: m\n`;
            assert.equal(formatter.format({ tag: "t.x", message: "m", time: new Date(ms) }), expected);
          }
        },
      ),
    );
  });

  it("escapes raw newlines so one event stays one line", () => {
    const line = formatter.format({ tag: "a.b", message: "one\ntwo\r\nthree" }, 0);
    assert.equal(line, "<14>1970-01-01 00:00:00.000 collector-1 a.b: one\\ntwo\\r\\nthree\n");
    assert.equal(line.split("\n").length, 2);
  });

  it("frames by octet counting in multiline mode, counting UTF-8 bytes of the line and its newline", () => {
    const multi = new DevoLineFormatter({ hostname: "h", multiline: true });
    const line = multi.format({ tag: "a.b", message: "línea 1\nline 2" }, 0);
    const body = "<14>1970-01-01 00:00:00.000 h a.b: línea 1\nline 2\n";
    assert.equal(line, `${Buffer.byteLength(body)} ${body}`);
    assert.equal(Buffer.byteLength(body), body.length + 1);
  });

  it("rejects tags and host names that would break the line", () => {
    assert.throws(() => formatter.format({ tag: "bad tag", message: "x" }), /invalid Devo tag "bad tag"/);
    assert.throws(() => formatter.format({ tag: "", message: "x" }), /invalid Devo tag/);
    assert.throws(() => new DevoLineFormatter({ hostname: "two words" }), /one word/);
  });

  it("formats a batch as the concatenation of its lines", () => {
    const batch = [
      { tag: "a.b", message: "1" },
      { tag: "c.d", message: "2", time: new Date(5) },
    ];
    assert.equal(formatter.formatBatch(batch, 9), formatter.format(batch[0], 9) + formatter.format(batch[1], 9));
  });
});

describe("line helpers", () => {
  it("utf8Length equals Buffer.byteLength for any string, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => assert.equal(utf8Length(text), Buffer.byteLength(text))),
      { numRuns: 300 },
    );
    assert.equal(utf8Length("\ud800x\udc00"), Buffer.byteLength("\ud800x\udc00"));
  });

  it("escapeNewlines leaves no CR or LF and changes nothing else", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const escaped = escapeNewlines(text);
        assert.ok(!/[\r\n]/.test(escaped));
        if (!/[\r\n]/.test(text)) assert.equal(escaped, text);
      }),
    );
  });

  it("formatJsonLine writes one parseable object per line", () => {
    const line = formatJsonLine({ tag: "a.b", message: 'he said "hi"\n' });
    assert.ok(line.endsWith("\n"));
    assert.equal(line.indexOf("\n"), line.length - 1);
    assert.deepEqual(JSON.parse(line), { tag: "a.b", message: 'he said "hi"\n' });
  });
});
