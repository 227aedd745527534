import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FileOutput } from "../../../worker/outputs/file-output.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";

describe("FileOutput", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "file-output-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const base = { hostname: "h", maxFiles: 3, fsync: false, bufferBytes: 1024 * 1024 };
  const events = (from: number, count: number): DevoEvent[] =>
    Array.from({ length: count }, (_, i) => ({ tag: "my.app.test", message: `event ${from + i}` }));

  it("appends one JSON object per line, in order, from many concurrent sends", async () => {
    const path = join(dir, "events.jsonl");
    const output = await FileOutput.open({ ...base, id: "f", path, format: "jsonl" });
    await Promise.all(Array.from({ length: 50 }, (_, i) => output.send(events(i * 10, 10))));
    await output.close();
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    assert.equal(lines.length, 500);
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).message).sort(),
      events(0, 500)
        .map((event) => event.message)
        .sort(),
    );
    assert.equal(output.stats.events, 500);
  });

  it("writes Devo lines in syslog format", async () => {
    const path = join(dir, "events.log");
    const output = await FileOutput.open({ ...base, id: "f", path, format: "syslog" });
    await output.send([{ tag: "a.b", message: "hello", time: new Date("2026-01-02T03:04:05.006Z") }]);
    await output.close();
    assert.equal(await readFile(path, "utf8"), "<14>2026-01-02 03:04:05.006 h a.b: hello\n");
  });

  it("rotates by size, keeps max_files, and loses no line", async () => {
    const sub = join(dir, "rotate");
    await import("node:fs/promises").then((fs) => fs.mkdir(sub));
    const path = join(sub, "out.jsonl");
    const output = await FileOutput.open({ ...base, id: "f", path, format: "jsonl", maxBytes: 2048, maxFiles: 3 });
    for (let i = 0; i < 40; i++) await output.send(events(i * 5, 5));
    await output.close();
    const names = (await readdir(sub)).sort();
    assert.deepEqual(names, ["out.jsonl", "out.jsonl.1", "out.jsonl.2", "out.jsonl.3"]);
    const kept: number[] = [];
    for (const name of ["out.jsonl.3", "out.jsonl.2", "out.jsonl.1", "out.jsonl"]) {
      const text = await readFile(join(sub, name), "utf8");
      assert.ok(Buffer.byteLength(text) <= 2048, `${name} is ${Buffer.byteLength(text)} bytes`);
      for (const line of text.trimEnd().split("\n")) kept.push(Number(JSON.parse(line).message.split(" ")[1]));
    }
    // The newest files hold a contiguous, ordered tail ending with the last event.
    assert.equal(kept.at(-1), 199);
    for (let i = 1; i < kept.length; i++) assert.equal(kept[i], kept[i - 1] + 1);
    assert.ok(output.stats.reconnects >= 3);
  });

  it("fails at open with the OS reason when the directory does not exist", async () => {
    await assert.rejects(
      FileOutput.open({ ...base, id: "f", path: join(dir, "missing", "x.log"), format: "jsonl" }),
      /ENOENT/,
    );
  });
});
