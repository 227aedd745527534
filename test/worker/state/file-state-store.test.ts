import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { createStateStore } from "../../../worker/state/create-state-store.ts";
import { FileStateStore, safeSegment } from "../../../worker/state/file-state-store.ts";
import { MemoryStateStore } from "../../../worker/state/memory-state-store.ts";
import { StateCorruptError } from "../../../worker/state/state-store.ts";

const KEY = { input: "aws", service: "audit-events-all", region: "eu-west-1" };
const cursorSchema = z.strictObject({ end: z.string(), ids: z.array(z.string()) });

describe("FileStateStore", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "state-test-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("returns undefined for a key never written, then what was written last", async () => {
    const store = new FileStateStore(join(dir, "basic"));
    assert.equal(await store.read(KEY, "t/1", cursorSchema), undefined);
    await store.write(KEY, "t/1", { end: "a", ids: ["1"] });
    await store.write(KEY, "t/1", { end: "b", ids: ["2", "3"] });
    // A second store (a restarted process) sees the same.
    const again = new FileStateStore(join(dir, "basic"));
    assert.deepEqual(await again.read(KEY, "t/1", cursorSchema), { end: "b", ids: ["2", "3"] });
    assert.equal(store.describe(KEY), join(dir, "basic", "aws", "audit-events-all", "eu-west-1.json"));
    const onDisk = JSON.parse(await readFile(store.describe(KEY), "utf8"));
    assert.equal(onDisk.format, 1);
    assert.equal(onDisk.kind, "t/1");
    assert.deepEqual([onDisk.input, onDisk.service, onDisk.region], ["aws", "audit-events-all", "eu-west-1"]);
  });

  it("keeps one file per input, service and region", async () => {
    const store = new FileStateStore(join(dir, "many"));
    for (const region of ["us-east-1", "eu-west-1"]) {
      for (const service of ["audit-events-all", "metrics-all"]) {
        await store.write({ input: "aws", service, region }, "t/1", { end: `${service}@${region}`, ids: [] });
      }
    }
    for (const region of ["us-east-1", "eu-west-1"]) {
      for (const service of ["audit-events-all", "metrics-all"]) {
        const got = await store.read({ input: "aws", service, region }, "t/1", cursorSchema);
        assert.equal(got?.end, `${service}@${region}`);
      }
    }
    assert.deepEqual((await readdir(join(dir, "many", "aws"))).sort(), ["audit-events-all", "metrics-all"]);
  });

  it("applies concurrent writes of one key in call order", async () => {
    const store = new FileStateStore(join(dir, "order"));
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.write(KEY, "t/1", { end: String(i), ids: [] })));
    assert.equal((await store.read(KEY, "t/1", cursorSchema))?.end, "49");
    assert.deepEqual(
      (await readdir(join(dir, "order", "aws", "audit-events-all"))).filter((f) => f.endsWith(".tmp")),
      [],
    );
  });

  it("reports corrupt, foreign, newer and invalid files clearly and leaves them in place", async () => {
    const store = new FileStateStore(join(dir, "corrupt"));
    await store.write(KEY, "t/1", { end: "x", ids: [] });
    const file = store.describe(KEY);
    const good = await readFile(file, "utf8");
    const cases: [string, RegExp][] = [
      ['{"format":1,"kind":"t/1"', /not valid JSON/],
      ["", /not valid JSON/],
      ['{"hello":1}', /not a state file/],
      [good.replace('"format":1', '"format":7'), /format 7 was written by a newer collector/],
      [good.replace('"region":"eu-west-1"', '"region":"us-east-1"'), /belongs to aws\/audit-events-all\/us-east-1/],
      [good.replace('"kind":"t/1"', '"kind":"other/1"'), /holds a "other\/1" cursor/],
      [good.replace('"ids":[]', '"ids":"nope"'), /invalid "t\/1" cursor/],
    ];
    for (const [content, reason] of cases) {
      await writeFile(file, content);
      await assert.rejects(store.read(KEY, "t/1", cursorSchema), (error: Error) => {
        assert.ok(error instanceof StateCorruptError, String(error));
        assert.ok(error.message.includes(file), error.message);
        assert.match(error.message, reason);
        assert.match(error.message, /left untouched/);
        return true;
      });
      assert.equal(await readFile(file, "utf8"), content, "a corrupt file is never reset");
    }
  });

  it("keeps every name inside the directory", () => {
    assert.equal(safeSegment("../../etc"), "%2e.%2f..%2fetc");
    assert.equal(safeSegment("a/b c"), "a%2fb%20c");
    assert.equal(safeSegment("custom_service"), "custom_service");
    assert.equal(safeSegment(""), "%");
  });

  it("falls back to memory without persistence, and to files with it", () => {
    assert.ok(createStateStore(undefined) instanceof MemoryStateStore);
    const store = createStateStore({ type: "filesystem", config: { directory_name: join(dir, "cfg") } });
    assert.ok(store instanceof FileStateStore);
  });

  it("survives kill -9 at random moments during writes", async () => {
    const stateDir = join(dir, "kill");
    const child = fileURLToPath(new URL("./write-loop.child.ts", import.meta.url));
    const schema = z.strictObject({ seq: z.number().int(), payload: z.string(), check: z.number().int() });
    const store = new FileStateStore(stateDir);
    let lastDurable = 0;
    let killsDuringWrite = 0;
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const outcome = await runAndKill(child, stateDir, 40 + Math.floor(Math.random() * 160));
      const saved = await store.read(KEY, "kill-test/1", schema);
      assert.ok(saved !== undefined || lastDurable === 0, `round ${round}: state vanished`);
      const seq = saved?.seq ?? 0;
      if (saved !== undefined) {
        // Exactly one of the written versions, intact.
        const expected = `${seq}:`.repeat(1 + Math.floor(262_144 / (String(seq).length + 1)));
        assert.equal(saved.payload, expected, `round ${round}: payload of version ${seq} is damaged`);
        assert.equal(saved.check, expected.length * 31 + seq);
      }
      // Never older than a write the child saw resolve (its later "done" lines may die with it in the pipe).
      assert.ok(seq >= outcome.lastDone, `round ${round}: saved ${seq} < durable ${outcome.lastDone}`);
      assert.equal(outcome.started, lastDurable, `round ${round}: the child resumed from ${outcome.started}`);
      if (outcome.leftTemp) killsDuringWrite += 1;
      lastDurable = seq;
    }
    assert.ok(lastDurable > rounds, `the children wrote only ${lastDurable} versions`);
    process.stderr.write(
      `kill -9 test: ${rounds} kills, ${killsDuringWrite} left a partial temp file, ${lastDurable} versions\n`,
    );
  });
});

/** Runs the writer child until it has written a little, SIGKILLs it after `delayMs`, reports what it printed. */
async function runAndKill(
  script: string,
  directory: string,
  delayMs: number,
): Promise<{ started: number; lastDone: number; leftTemp: boolean }> {
  const isDeno = "Deno" in globalThis;
  const args = isDeno ? ["run", "-A", script, directory] : [script, directory];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.setEncoding("utf8");
  let sawStart: () => void;
  const started = new Promise<void>((resolve) => {
    sawStart = resolve;
  });
  proc.stdout.on("data", (chunk: string) => {
    out += chunk;
    if (/start \d+\n/.test(out)) sawStart();
  });
  const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
  await Promise.race([started, exited]);
  await new Promise((r) => setTimeout(r, delayMs));
  proc.kill("SIGKILL");
  await exited;
  await new Promise((r) => setTimeout(r, 10));
  const startMatch = /start (\d+)/.exec(out);
  assert.ok(startMatch, `child printed no start line: ${out.slice(0, 200)}`);
  const done = [...out.matchAll(/done (\d+)/g)].map((m) => Number(m[1]));
  const dirOfFile = join(directory, "aws", "audit-events-all");
  const leftTemp = (await readdir(dirOfFile).catch(() => [] as string[])).some((f) => f.endsWith(".tmp"));
  return { started: Number(startMatch[1]), lastDone: done.at(-1) ?? Number(startMatch[1]), leftTemp };
}
