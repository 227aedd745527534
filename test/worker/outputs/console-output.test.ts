import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { ConsoleOutput } from "../../../worker/outputs/console-output.ts";

/** A sink that takes `delayMs` per write, to show that sends wait for the stream. */
function slowSink(delayMs: number) {
  const chunks: string[] = [];
  let writes = 0;
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk, _encoding, callback) {
      writes++;
      setTimeout(() => {
        chunks.push(chunk.toString());
        callback();
      }, delayMs);
    },
  });
  return { stream, chunks, writes: () => writes };
}

describe("ConsoleOutput", () => {
  it("writes JSON lines and resolves only after the stream took them", async () => {
    const sink = slowSink(20);
    const output = new ConsoleOutput({ id: "c", format: "jsonl", hostname: "h", stream: sink.stream });
    const sent = output.send([{ tag: "a.b", message: "one" }]);
    assert.equal(sink.chunks.length, 0);
    await sent;
    assert.deepEqual(sink.chunks, ['{"tag":"a.b","message":"one"}\n']);
  });

  it("coalesces concurrent sends into few writes and keeps every line", async () => {
    const sink = slowSink(5);
    const output = new ConsoleOutput({ id: "c", format: "syslog", hostname: "h", stream: sink.stream });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => output.send([{ tag: "a.b", message: `m${i}`, time: new Date(0) }])),
    );
    await output.close();
    const lines = sink.chunks.join("").trimEnd().split("\n");
    assert.equal(lines.length, 100);
    assert.equal(lines[0], "<14>1970-01-01 00:00:00.000 h a.b: m0");
    assert.ok(sink.writes() < 10, `expected coalesced writes, got ${sink.writes()}`);
  });

  it("rejects the batch when the stream fails", async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error("EPIPE: reader went away"));
      },
    });
    stream.on("error", () => undefined);
    const output = new ConsoleOutput({ id: "c", format: "jsonl", hostname: "h", stream });
    await assert.rejects(
      output.send([{ tag: "a.b", message: "x" }]),
      /output c: cannot write to standard output: EPIPE/,
    );
    assert.equal(output.stats.failedBatches, 1);
    assert.equal(output.stats.events, 0);
  });

  it("a reader that closed the pipe (EPIPE): no unhandled 'error', every send fails with a FatalOutputError", async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    // No 'error' listener of the test's own: the output must take the stream's 'error' event itself.
    const output = new ConsoleOutput({ id: "c", format: "jsonl", hostname: "h", stream });
    const first = await output.send([{ tag: "a.b", message: "x" }]).catch((error: Error) => error);
    assert.ok(first instanceof Error);
    assert.equal(first.name, "FatalOutputError");
    assert.match(first.message, /output c: cannot write to standard output: write EPIPE/);
    const second = await output.send([{ tag: "a.b", message: "y" }]).catch((error: Error) => error);
    assert.equal((second as Error).name, "FatalOutputError", "later sends fail at once");
    await new Promise((resolve) => setImmediate(resolve));
    await output.close(AbortSignal.timeout(100));
  });
});
