import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { ConsoleOutput } from "../../../worker/outputs/console-output.ts";
import { FileOutput } from "../../../worker/outputs/file-output.ts";
import type { Output } from "../../../worker/outputs/output.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";
import { collectGarbage } from "../../helpers/collect-garbage.ts";
import { buildOutput, startTcpCollector } from "./network-output-fixture.ts";

/**
 * Sends one batch of `count` events that nothing else references, and reports whether the batch could be
 * collected while the send was still pending. An output that kept the events until its write finished would
 * have every batch in flight copied and promoted by the young-generation collector.
 */
async function sendAndCollect(output: Output, count: number): Promise<{ collected: boolean; sent: Promise<void> }> {
  const holder: { batch?: DevoEvent[] } = {
    batch: Array.from({ length: count }, (_, i): DevoEvent => ({ tag: "my.app.retention", message: `retained-${i}` })),
  };
  const ref = new WeakRef(holder.batch!);
  // A new WeakRef keeps its target alive until the current job ends: collect only in a later one.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const sent = output.send(holder.batch!);
  holder.batch = undefined;
  let settled = false;
  void sent.then(
    () => (settled = true),
    () => (settled = true),
  );
  collectGarbage();
  assert.equal(settled, false, "the send was still pending when the garbage was collected");
  return { collected: ref.deref() === undefined, sent };
}

describe("outputs keep only the bytes of a batch while they deliver it", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "batch-retention-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("file output", async () => {
    const path = join(dir, "events.jsonl");
    const output = await FileOutput.open({
      id: "file",
      path,
      format: "jsonl",
      hostname: "h",
      maxFiles: 1,
      fsync: false,
      bufferBytes: 1 << 20,
    });
    const { collected, sent } = await sendAndCollect(output, 300);
    await sent;
    await output.close();
    assert.equal(collected, true, "the batch was still reachable while its bytes were written");
    assert.equal((await readFile(path, "utf8")).trimEnd().split("\n").length, 300);
    assert.equal(output.stats.events, 300);
  });

  it("console output", async () => {
    const written: string[] = [];
    const release: (() => void)[] = [];
    // Takes each write later, as a pipe whose reader is busy would.
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        written.push(chunk.toString());
        release.push(callback);
      },
    });
    const output = new ConsoleOutput({ id: "console", format: "jsonl", stream, hostname: "h" });
    const { collected, sent } = await sendAndCollect(output, 300);
    while (release.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    for (const callback of release) callback();
    await sent;
    await output.close();
    assert.equal(collected, true, "the batch was still reachable while its text was written");
    assert.equal(written.join("").trimEnd().split("\n").length, 300);
    assert.equal(output.stats.events, 300);
  });

  it("syslog output", async () => {
    const collector = await startTcpCollector();
    try {
      const { output } = await buildOutput(
        "syslog",
        { address: "127.0.0.1", port: collector.port, type: "TCP", settle_ms: 10 },
        dir,
      );
      const { collected, sent } = await sendAndCollect(output, 300);
      await sent;
      await output.close();
      assert.equal(collected, true, "the batch was still reachable while its bytes were sent");
      assert.equal(collector.received().trimEnd().split("\n").length, 300);
    } finally {
      await collector.close();
    }
  });
});
