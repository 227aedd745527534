import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { measureBoundProcesses, writeDataset } from "../../scripts/bench/bound-processes.ts";
import { cloudTrailObjects, lineLogObjects } from "../../scripts/bench/datasets.ts";

describe("bench: the bound in processes of its own", () => {
  let dir = "";
  const objects = [...cloudTrailObjects(2 * 1024 * 1024), ...lineLogObjects("vpc", 512 * 1024)];
  const records = objects.reduce((sum, object) => sum + object.records, 0);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bound-processes-"));
    await writeDataset(dir, objects);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("one process reads every record of the dataset once", async () => {
    const result = await measureBoundProcesses(dir, 1);
    assert.equal(result.events, records);
    assert.ok(result.ms > 0 && result.eventsPerSecond > 0);
  });

  it("two processes at once share the dataset: together they read every record once", async () => {
    assert.ok(objects.length >= 2, "the dataset must have objects for both processes");
    const result = await measureBoundProcesses(dir, 2);
    assert.equal(result.events, records);
  });
});
