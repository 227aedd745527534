import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { killIfRunning, type WorkerProcess, waitFor } from "../helpers/worker-process.ts";
import { Scenario } from "./helpers/scenario.ts";
import { logLines, metricsPort, StalledReceiver } from "./helpers/stuck-receivers.ts";

/** Enough events that the receiver's and the worker's kernel buffers (several MB on loopback) fill up. */
const FILES = 16;

/** The syslog output pointed at `port`, with fast reconnects; `delivery_timeout_seconds` as given. */
function relay(port: number, deliveryTimeoutSeconds?: number) {
  return {
    relay: {
      type: "syslog",
      config: {
        address: "127.0.0.1",
        port,
        type: "TCP",
        settle_ms: 200,
        reconnect_base_seconds: 0.2,
        reconnect_max_seconds: 1,
        ...(deliveryTimeoutSeconds === undefined ? {} : { delivery_timeout_seconds: deliveryTimeoutSeconds }),
      },
    },
  };
}

describe("a receiver that accepts connections and never reads", () => {
  let scenario: Scenario;
  let receiver: StalledReceiver;
  let worker: WorkerProcess | undefined;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 60 });
    await scenario.uploadAndAnnounce(FILES, (i) => 2500 + ((i * 131) % 1000), 907);
  });
  afterEach(async () => {
    await killIfRunning(worker);
    worker = undefined;
    await receiver?.stop();
  });
  after(async () => {
    await scenario.stop();
  });

  /** Waits until the worker writes and the receiver holds at least 16 KB unread (a receiver that never reads keeps a small window): the stall is under way. */
  async function stalled(): Promise<void> {
    await waitFor(() => receiver.accepted > 0 && receiver.unreadBytes() >= 16 * 1024, 30_000, "a stalled connection");
  }

  it("fails the batch back when delivery_timeout_seconds expires, says so in the log and on /healthz", async (t) => {
    receiver = await StalledReceiver.start();
    worker = await scenario.startWorker(false, {}, relay(receiver.port, 5), {
      shutdown_grace_seconds: 5,
      metrics: { port: 0, host: "127.0.0.1", unhealthy_after_seconds: 3 },
    });
    const w = worker;
    await stalled();
    const stallAt = performance.now();
    await waitFor(
      () => logLines(w.stderr()).some((line) => /not delivered within 5 s/.test(`${line.msg} ${line.cause ?? ""}`)),
      40_000,
      "a log line naming the delivery timeout",
    );
    const loggedAfter = performance.now() - stallAt;
    const port = metricsPort(w.stderr());
    assert.ok(port !== undefined, w.stderr());
    let health: { status: number; body: { status?: string; reasons?: string[] } } | undefined;
    await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        health = { status: response.status, body: await response.json() };
        return response.status === 503;
      },
      20_000,
      "/healthz to turn 503",
    );
    assert.match(JSON.stringify(health?.body), /deliver/);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /devo_collector_messages_returned_total\{[^}]*reason="failed"[^}]*\} [1-9]/);
    assert.match(metrics, /devo_collector_output_delivery_timeouts_total\{output="relay"\} [1-9]/);
    const stopAt = performance.now();
    w.child.kill("SIGTERM");
    const exit = await exitWithin(w, 15_000);
    const exitMs = Math.round(performance.now() - stopAt);
    t.diagnostic(`timeout logged ${Math.round(loggedAfter)} ms after the stall; exit ${exitMs} ms after SIGTERM`);
    assert.notEqual(exit, "still running", "the worker ends within the 5 s grace (+10 s) after SIGTERM");
    assert.equal((exit as { code: number }).code, 0, w.stderr());
    await waitFor(() => scenario.queueDepth().inflight === 0, 5_000, "every message handed back");
  });

  it("ends within shutdown_grace_seconds on SIGTERM while a write is stuck, and hands the messages back", async (t) => {
    receiver = await StalledReceiver.start();
    // The default delivery timeout (300 s): only the grace period can end this stop.
    worker = await scenario.startWorker(false, {}, relay(receiver.port), { shutdown_grace_seconds: 5 });
    const w = worker;
    await stalled();
    const stopAt = performance.now();
    w.child.kill("SIGTERM");
    const exit = await exitWithin(w, 15_000);
    const exitMs = Math.round(performance.now() - stopAt);
    t.diagnostic(`exit ${exitMs} ms after SIGTERM (grace 5 s)`);
    assert.notEqual(exit, "still running", "the worker ends within the 5 s grace (+10 s) after SIGTERM");
    assert.equal((exit as { code: number }).code, 0, w.stderr());
    assert.ok(
      logLines(w.stderr()).some((line) => line.msg === "stop requested" && line.signal === "SIGTERM"),
      w.stderr(),
    );
    // The visibility timeout is 60 s: a message still invisible now was not handed back.
    await waitFor(() => scenario.queueDepth().inflight === 0, 5_000, "every message handed back");
  });
});

/** The worker's exit, or "still running" when it has not exited within `ms`. */
function exitWithin(worker: WorkerProcess, ms: number) {
  return Promise.race([
    worker.exited,
    new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms)),
  ]);
}
