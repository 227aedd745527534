import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Scenario } from "./helpers/scenario.ts";

describe("a queue with two workers", () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 30 });
  });
  after(async () => {
    await scenario.stop();
  });

  it("shares the work: every event delivered, no early delete, duplicates reported", async (t) => {
    await scenario.uploadAndAnnounce(40, (i) => 500 + ((i * 211) % 1500), 904);
    const workers = [
      await scenario.startWorker(true, { sqs_max_messages: 2 }),
      await scenario.startWorker(true, { sqs_max_messages: 2 }),
    ];
    for (const worker of workers) assert.equal((await worker.exited).code, 0, worker.stderr());

    const result = scenario.ledger.result();
    const sizes = readdirSync(scenario.outDir).map((name) => statSync(join(scenario.outDir, name)).size);
    t.diagnostic(
      `events ${result.expected}, duplicates ${result.duplicates}, output bytes per worker ${sizes.join(" / ")}`,
    );
    assert.deepEqual(result.violations, []);
    assert.equal(result.missing, 0);
    assert.equal(sizes.length, 2);
    assert.ok(
      sizes.every((size) => size > 0),
      "both workers delivered some of the work",
    );
    assert.deepEqual(scenario.queueDepth(), { ready: 0, inflight: 0, delayed: 0, dlq: 0 });
  });
});
