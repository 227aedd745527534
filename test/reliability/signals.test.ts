import assert from "node:assert/strict";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { killIfRunning, type WorkerProcess } from "../helpers/worker-process.ts";
import { Scenario } from "./helpers/scenario.ts";
import { logLines } from "./helpers/stuck-receivers.ts";

describe("signals and a closed standard output", () => {
  let scenario: Scenario;
  let worker: WorkerProcess | undefined;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 120 });
  });
  afterEach(async () => {
    await killIfRunning(worker);
    worker = undefined;
  });
  after(async () => {
    await scenario.stop();
  });

  it("SIGHUP stops like SIGTERM: logged, drained, exit 0, nothing left invisible", async () => {
    await scenario.uploadAndAnnounce(16, (i) => 1500 + ((i * 97) % 1500), 909);
    const before = scenario.ledger.result().delivered;
    const w = await scenario.startWorker(
      false,
      {},
      {
        file_1: { type: "file", config: { path: join(scenario.outDir, "hup.jsonl") } },
      },
    );
    worker = w;
    await scenario.newEventsAfter(before);
    w.child.kill("SIGHUP");
    const exit = await w.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, w.stderr());
    assert.ok(
      logLines(w.stderr()).some((line) => line.msg === "stop requested" && line.signal === "SIGHUP"),
      w.stderr(),
    );
    assert.equal(scenario.queueDepth().inflight, 0, "no message left invisible after the stop");
  });

  it("console output into a pipe closed by its reader: one log line, no stack trace, messages handed back", async () => {
    await scenario.uploadAndAnnounce(8, (i) => 1500 + i, 910);
    const w = await scenario.startWorker(false, {}, { console_1: { type: "console", config: {} } });
    worker = w;
    const stdout = w.child.stdout;
    assert.ok(stdout);
    // What `… | head -1` does: read the first chunk, then close the pipe.
    stdout.once("data", () => stdout.destroy());
    const exit = await w.exited;
    const stderr = w.stderr();
    assert.equal(exit.code, 1, stderr);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    assert.ok(
      logLines(stderr).some((line) => /standard output/.test(`${line.msg} ${line.err ?? ""}`)),
      stderr,
    );
    assert.equal(scenario.queueDepth().inflight, 0, "no message left invisible after the stop");
  });
});
