import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { killIfRunning, type WorkerProcess, waitFor } from "../helpers/worker-process.ts";
import { Scenario } from "./helpers/scenario.ts";
import { logLines, refusingPort } from "./helpers/stuck-receivers.ts";

function relay(port: number) {
  return {
    relay: {
      type: "syslog",
      config: { address: "127.0.0.1", port, type: "TCP", reconnect_base_seconds: 0.2, reconnect_max_seconds: 1 },
    },
  };
}

/** Resolves with the exit, or with "still running" after `ms`. */
function exitWithin(worker: WorkerProcess, ms: number) {
  return Promise.race([
    worker.exited,
    new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms)),
  ]);
}

describe("Devo refusing connections", () => {
  let scenario: Scenario;
  let worker: WorkerProcess | undefined;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 120 });
    await scenario.uploadAndAnnounce(12, (i) => 200 + i, 908);
  });
  afterEach(async () => {
    await killIfRunning(worker);
    worker = undefined;
  });
  after(async () => {
    await scenario.stop();
  });

  /** Starts a worker on a refused port and waits until its output has reported the refusal with work in hand. */
  async function refusedWorker(graceSeconds: number): Promise<WorkerProcess> {
    const started = await scenario.startWorker(false, {}, relay(await refusingPort()), {
      shutdown_grace_seconds: graceSeconds,
    });
    worker = started;
    await waitFor(
      () => /connection refused/.test(started.stderr()) && scenario.queueDepth().inflight > 0,
      30_000,
      "the output's refused connection, with messages in hand",
    );
    return started;
  }

  it("ends within shutdown_grace_seconds on SIGTERM (not at the 300 s delivery timeout)", async (t) => {
    const w = await refusedWorker(10);
    const stopAt = performance.now();
    w.child.kill("SIGTERM");
    const exit = await exitWithin(w, 20_000);
    t.diagnostic(`exit ${Math.round(performance.now() - stopAt)} ms after SIGTERM (grace 10 s)`);
    assert.notEqual(exit, "still running", "the worker ends within the 10 s grace (+10 s)");
    assert.equal((exit as { code: number }).code, 0, w.stderr());
    await waitFor(() => scenario.queueDepth().inflight === 0, 5_000, "every message handed back");
  });

  it("a second signal ends the stop at once, after handing the messages back", async (t) => {
    const w = await refusedWorker(30);
    w.child.kill("SIGTERM");
    await waitFor(
      () => logLines(w.stderr()).some((line) => line.msg === "stopping: draining in-flight work"),
      10_000,
      "the drain to begin",
    );
    const secondAt = performance.now();
    w.child.kill("SIGINT");
    const exit = await exitWithin(w, 10_000);
    t.diagnostic(`exit ${Math.round(performance.now() - secondAt)} ms after the second signal (grace 30 s)`);
    assert.notEqual(exit, "still running", "a second signal does not wait out the 30 s grace");
    assert.equal((exit as { code: number }).code, 0, w.stderr());
    await waitFor(() => scenario.queueDepth().inflight === 0, 5_000, "every message handed back");
  });
});
