import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { outputsSchema } from "../../../worker/config/outputs-schema.ts";
import { createOutputs } from "../../../worker/outputs/create-outputs.ts";

describe("createOutputs", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "create-outputs-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const deps = () => ({ certsDir: dir, hostname: "worker-1", logger: pino({ level: "silent" }) });

  it("builds every output in config order, with the worker's host name unless one is set", async () => {
    const section = outputsSchema.parse({
      screen: { type: "console" },
      archive: { type: "file", config: { path: join(dir, "a.log"), format: "syslog" } },
      named: { type: "file", config: { path: join(dir, "b.log"), format: "syslog", hostname: "override" } },
    });
    const outputs = await createOutputs(section, deps());
    assert.deepEqual(
      outputs.map((output) => output.id),
      ["screen", "archive", "named"],
    );
    const event = { tag: "a.b", message: "m", time: new Date(0) };
    await outputs[1].send([event]);
    await outputs[2].send([event]);
    await Promise.all(outputs.map((output) => output.close()));
    assert.equal(await readFile(join(dir, "a.log"), "utf8"), "<14>1970-01-01 00:00:00.000 worker-1 a.b: m\n");
    assert.equal(await readFile(join(dir, "b.log"), "utf8"), "<14>1970-01-01 00:00:00.000 override a.b: m\n");
  });

  it("names the output and path when a file cannot be opened", async () => {
    const section = outputsSchema.parse({
      screen: { type: "console" },
      broken: { type: "file", config: { path: join(dir, "no", "such", "dir.log") } },
    });
    await assert.rejects(
      createOutputs(section, deps()),
      /^Error: outputs\.broken\.config\.path: cannot open .*no\/such\/dir\.log: ENOENT/,
    );
  });
});
