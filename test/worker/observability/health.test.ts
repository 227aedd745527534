import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Activity, HealthMonitor } from "../../../worker/observability/health.ts";
import { createMetrics, observeOutputs } from "../../../worker/observability/metrics.ts";
import { emptyStats } from "../../../worker/outputs/output-stats.ts";

/** A clock the test moves by hand. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** An activity and its health monitor, both on a clock the test moves by hand. */
function watched(unhealthyAfterMs: number, watchReceives = true) {
  const time = clock();
  const activity = new Activity(time.now);
  const health = new HealthMonitor(activity, { unhealthyAfterMs, watchReceives, now: time.now });
  return { time, activity, health };
}

describe("health", () => {
  it("an idle worker whose receives succeed stays healthy however long nothing arrives", () => {
    const { time, activity, health } = watched(60_000);
    for (let i = 0; i < 100; i++) {
      time.advance(20_000);
      activity.receiveSucceeded();
      assert.deepEqual(health.check(), { status: "ok", reasons: [] });
    }
  });

  it("turns unhealthy when sends stay pending with no delivery for the configured time", () => {
    const { time, activity, health } = watched(60_000);
    time.advance(3_600_000);
    activity.receiveSucceeded();
    // After an idle hour a send begins: the clock starts now, not an hour ago.
    activity.sendStarted();
    assert.equal(health.check().status, "ok");
    time.advance(59_000);
    assert.equal(health.check().status, "ok");
    time.advance(2_000);
    const stuck = health.check();
    assert.equal(stuck.status, "unhealthy");
    assert.match(stuck.reasons[0], /no delivery has made progress for 61 s with 1 batches pending/);
    // It fails back (delivery timeout) and the message comes again: still no progress, still unhealthy.
    activity.sendSettled(false);
    activity.sendStarted();
    assert.equal(health.check().status, "unhealthy");
    activity.receiveSucceeded();
    activity.sendSettled(true);
    assert.equal(health.check().status, "ok");
  });

  it("stays unhealthy for its output between a failed send and the next, however the receives go", () => {
    const { time, activity, health } = watched(3_000);
    activity.sendStarted();
    time.advance(5_000);
    // The delivery timeout fails the batch back; its messages are handed back and not received again yet.
    activity.sendSettled(false);
    const between = health.check();
    assert.equal(between.status, "unhealthy");
    assert.match(between.reasons[0], /no delivery has made progress for 5 s: the last 1 sends failed/);
    activity.receiveSucceeded();
    activity.sendStarted();
    activity.sendSettled(true);
    assert.deepEqual(health.check(), { status: "ok", reasons: [] });
  });

  it("turns unhealthy when receives keep failing, and when an idle worker stops receiving at all", () => {
    const { time, activity, health } = watched(60_000);
    activity.receiveFailed();
    time.advance(30_000);
    activity.receiveFailed();
    assert.equal(health.check().status, "ok");
    time.advance(31_000);
    assert.match(health.check().reasons[0], /no receive has succeeded for 61 s \(2 failed since the last\)/);
    activity.receiveSucceeded();
    assert.equal(health.check().status, "ok");
    time.advance(61_000);
    assert.equal(health.check().status, "unhealthy", "idle and no receive at all");
  });

  // Seen flaky in the stalled-receiver reliability test: all slots busy reading their next batch, no send pending at
  // that instant, so no receive either: a busy worker, not an idle one.
  it("a worker whose slots are all busy, between two sends, is judged by its deliveries, not by receives", () => {
    const { time, activity, health } = watched(3_000);
    activity.receiveSucceeded();
    activity.workInHand = 4;
    time.advance(5_000);
    assert.deepEqual(health.check(), { status: "ok", reasons: [] });
    activity.sendStarted();
    time.advance(4_000);
    assert.match(health.check().reasons.join(), /no delivery has made progress for 4 s with 1 batches pending/);
    activity.workInHand = 0;
    activity.sendSettled(true);
    assert.match(health.check().reasons.join(), /no receive has succeeded for 9 s/, "idle, and no receive");
  });

  it("the work-in-flight gauge keeps the activity's work in hand", () => {
    const metrics = createMetrics();
    metrics.workInFlight.inc();
    metrics.workInFlight.inc();
    metrics.workInFlight.dec();
    assert.equal(metrics.activity.workInHand, 1);
  });

  it("a worker without queues is not judged by receives; stopping says so", () => {
    const { time, health } = watched(60_000, false);
    time.advance(600_000);
    assert.equal(health.check().status, "ok");
    health.stopping = true;
    assert.equal(health.check().status, "stopping");
  });

  it("the receive counters stamp the activity; output counters are exported per output", async () => {
    const metrics = createMetrics();
    metrics.receiveErrors.inc({ source: "q" });
    assert.equal(metrics.activity.receiveErrors, 1);
    metrics.receives.inc({ source: "q" });
    assert.equal(metrics.activity.receiveErrors, 0);
    const stats = { ...emptyStats(), connectionErrors: 4, deliveryTimeouts: 1 };
    observeOutputs(metrics, [{ id: "devo_1", stats }]);
    const text = await metrics.registry.metrics();
    assert.match(text, /devo_collector_receive_errors_total\{source="q"\} 1/);
    assert.match(text, /devo_collector_receives_total\{source="q"\} 1/);
    assert.match(text, /devo_collector_output_connection_errors_total\{output="devo_1"\} 4/);
    assert.match(text, /devo_collector_output_delivery_timeouts_total\{output="devo_1"\} 1/);
    stats.connectionErrors = 6;
    assert.match(
      await metrics.registry.metrics(),
      /devo_collector_output_connection_errors_total\{output="devo_1"\} 6/,
    );
  });
});
