import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListMetricsCommand,
} from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import type { DevoEvent } from "../../../../worker/pipeline/event.ts";
import { metricsOptions } from "../../../../worker/services/api-service-options.ts";
import { CloudWatchMetricsSource } from "../../../../worker/sources/cloudwatch-metrics-source.ts";
import { MemoryStateStore } from "../../../../worker/state/memory-state-store.ts";
import type { StateStore } from "../../../../worker/state/state-store.ts";
import { drain, FakeClock, silentLogger } from "./api-test-kit.ts";
import { datapointValue, ec2Metric, type FakeMetric, fakeGetMetricData, fakeListMetrics } from "./cloudwatch-fake.ts";

const T0 = Date.parse("2026-03-10T12:02:30Z");
const cloudwatch = mockClient(CloudWatchClient);

function makeSource(state: StateStore, clock: FakeClock, options: Record<string, unknown> = {}) {
  return new CloudWatchMetricsSource(
    {
      inputId: "aws",
      serviceName: "metrics-all",
      region: "us-east-1",
      options: metricsOptions.parse({ start_time: "2026-03-10T10:00:00Z", ...options }),
    },
    { state, logger: silentLogger(), clock },
  );
}

/** Expected datapoints of the metrics over [from, to), one per metric, statistic and period with data. */
function expectedPoints(metrics: FakeMetric[], stats: string[], from: number, to: number): string[] {
  const out: string[] = [];
  for (const { metric, hasData } of metrics) {
    for (let t = from; t < to; t += 60_000) {
      if (!hasData(t)) continue;
      for (const stat of stats) out.push(`${JSON.stringify(metric)}|${stat}|${t}`);
    }
  }
  return out.sort();
}

function pointsOf(events: DevoEvent[]): string[] {
  return events
    .map((e) => {
      const m = JSON.parse(e.message);
      const dims = Object.entries(m.dimensions as Record<string, string>).map(([Name, Value]) => ({ Name, Value }));
      return { m, dims };
    })
    .map(({ m, dims }) => {
      // Rebuild the metric as ListMetrics gave it (dimension order as listed) to compare with the expectation.
      const ordered = dims.sort((a, b) => (a.Name === "InstanceId" ? -1 : b.Name === "InstanceId" ? 1 : 0));
      const metric = { Namespace: m.namespace, MetricName: m.metric_name, Dimensions: ordered };
      return `${JSON.stringify(metric)}|${m.stat}|${Date.parse(m.timestamp)}`;
    })
    .sort();
}

const STATS = ["Average", "Minimum", "Maximum", "Sum", "SampleCount"];

describe("CloudWatchMetricsSource", () => {
  let clock: FakeClock;
  beforeEach(() => {
    cloudwatch.reset();
    clock = new FakeClock(T0);
  });
  afterEach(() => cloudwatch.reset());

  it("lists metrics page by page and fetches every datapoint in batches of at most 500 queries", async () => {
    const metrics = Array.from({ length: 130 }, (_, i) => ec2Metric(i));
    cloudwatch.on(ListMetricsCommand).callsFake(fakeListMetrics(() => metrics, 50));
    cloudwatch.on(GetMetricDataCommand).callsFake(fakeGetMetricData(() => metrics));
    const state = new MemoryStateStore();
    const out = await drain(makeSource(state, clock));

    // start 10:00, now 12:02:30, delay 300 s → read up to 11:57 (aligned to the minute), in 1-hour windows.
    const from = Date.parse("2026-03-10T10:00:00Z");
    const to = Date.parse("2026-03-10T11:57:00Z");
    assert.deepEqual(pointsOf(out.events), expectedPoints(metrics, STATS, from, to));
    const calls = cloudwatch
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input as GetMetricDataCommandInput);
    assert.equal(cloudwatch.commandCalls(ListMetricsCommand).length, 3, "130 metrics, 50 a page");
    assert.deepEqual(
      calls.map((c) => c.MetricDataQueries!.length),
      [500, 150, 500, 150],
      "100 metrics × 5 statistics, then the other 30, per window",
    );
    for (const call of calls) {
      assert.equal(call.StartTime!.getTime() % 60_000, 0);
      assert.equal(call.EndTime!.getTime() % 60_000, 0);
      assert.equal(call.ScanBy, "TimestampAscending");
    }
    assert.deepEqual(
      [...new Set(calls.map((c) => `${c.StartTime!.toISOString()}..${c.EndTime!.toISOString()}`))],
      ["2026-03-10T10:00:00.000Z..2026-03-10T11:00:00.000Z", "2026-03-10T11:00:00.000Z..2026-03-10T11:57:00.000Z"],
    );
    const sample = JSON.parse(out.events[0].message);
    assert.deepEqual(Object.keys(sample), [
      "namespace",
      "metric_name",
      "dimensions",
      "stat",
      "period",
      "timestamp",
      "value",
      "region",
    ]);
    assert.equal(
      sample.value,
      datapointValue(
        metrics.find((m) => m.metric.Dimensions![0].Value === sample.dimensions.InstanceId)!.metric,
        sample.stat,
        Date.parse(sample.timestamp),
      ),
    );
    assert.ok(out.events.every((e) => e.tag === "cloud.aws.cloudwatch.metrics" && e.time !== undefined));
    assert.deepEqual(state.writes.at(-1)!.cursor, { end: "2026-03-10T11:57:00.000Z" });
  });

  it("reads only the configured namespaces and follows GetMetricData's NextToken", async () => {
    const metrics = [
      ...Array.from({ length: 4 }, (_, i) => ec2Metric(i)),
      ...Array.from({ length: 3 }, (_, i) => ec2Metric(i + 10, "AWS/Lambda")),
    ];
    cloudwatch.on(ListMetricsCommand).callsFake(fakeListMetrics(() => metrics));
    cloudwatch.on(GetMetricDataCommand).callsFake(fakeGetMetricData(() => metrics, 37));
    const out = await drain(
      makeSource(new MemoryStateStore(), clock, { namespaces: ["AWS/Lambda"], statistics: ["Sum"] }),
    );
    assert.deepEqual(
      cloudwatch.commandCalls(ListMetricsCommand).map((c) => c.args[0].input.Namespace),
      ["AWS/Lambda"],
    );
    const lambda = metrics.filter((m) => m.metric.Namespace === "AWS/Lambda");
    assert.deepEqual(
      pointsOf(out.events),
      expectedPoints(lambda, ["Sum"], Date.parse("2026-03-10T10:00:00Z"), Date.parse("2026-03-10T11:57:00Z")),
    );
    assert.ok(cloudwatch.commandCalls(GetMetricDataCommand).some((c) => c.args[0].input.NextToken !== undefined));
  });

  it("retries a batch whose query came back Forbidden instead of losing its datapoints", async () => {
    const metrics = [ec2Metric(0), ec2Metric(2)];
    const serve = fakeGetMetricData(() => metrics);
    let calls = 0;
    cloudwatch.on(ListMetricsCommand).callsFake(fakeListMetrics(() => metrics));
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      calls += 1;
      const output = serve(input);
      if (calls === 1) {
        output.MetricDataResults![0] = {
          Id: output.MetricDataResults![0].Id,
          StatusCode: "Forbidden",
          Messages: [{ Code: "Forbidden", Value: "Insufficient permissions" }],
        };
      }
      return output;
    });
    const out = await drain(makeSource(new MemoryStateStore(), clock, { start_time: "2026-03-10T11:00:00Z" }));
    assert.deepEqual(
      pointsOf(out.events),
      expectedPoints(metrics, STATS, Date.parse("2026-03-10T11:00:00Z"), Date.parse("2026-03-10T11:57:00Z")),
    );
  });

  it("advances over windows without metrics, and polls again from the saved end", async () => {
    const metrics: FakeMetric[] = [];
    cloudwatch.on(ListMetricsCommand).callsFake(fakeListMetrics(() => metrics));
    cloudwatch.on(GetMetricDataCommand).callsFake(fakeGetMetricData(() => metrics));
    const state = new MemoryStateStore();
    const first = await drain(makeSource(state, clock));
    assert.equal(first.items.length, 0);
    assert.equal(cloudwatch.commandCalls(GetMetricDataCommand).length, 0);
    assert.deepEqual(state.writes.at(-1)!.cursor, { end: "2026-03-10T11:57:00.000Z" });
    metrics.push(ec2Metric(0));
    clock.nowMs += 10 * 60_000;
    const second = await drain(makeSource(state, clock));
    assert.deepEqual(
      pointsOf(second.events),
      expectedPoints(metrics, STATS, Date.parse("2026-03-10T11:57:00Z"), Date.parse("2026-03-10T12:07:00Z")),
    );
  });

  it("restarts inside a window without repeating or skipping a datapoint", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 230 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
        fc.subarray(STATS, { minLength: 1 }),
        async (count, stops, statistics) => {
          cloudwatch.reset();
          const runClock = new FakeClock(T0);
          const metrics = Array.from({ length: count }, (_, i) => ec2Metric(i));
          cloudwatch.on(ListMetricsCommand).callsFake(fakeListMetrics(() => metrics, 100));
          cloudwatch.on(GetMetricDataCommand).callsFake(fakeGetMetricData(() => metrics));
          const state = new MemoryStateStore();
          const delivered: DevoEvent[] = [];
          // From 10:50: a full window up to 11:50, then 11:50–11:57.
          const options = { statistics, start_time: "2026-03-10T10:50:00Z" };
          for (const stopAfterAcks of stops) {
            delivered.push(...(await drain(makeSource(state, runClock, options), { stopAfterAcks })).events);
          }
          delivered.push(...(await drain(makeSource(state, runClock, options))).events);
          const got = pointsOf(delivered);
          assert.equal(new Set(got).size, got.length, "a datapoint was repeated");
          assert.deepEqual(
            got,
            expectedPoints(metrics, statistics, Date.parse("2026-03-10T10:50:00Z"), Date.parse("2026-03-10T11:57:00Z")),
          );
        },
      ),
      { numRuns: 12 },
    );
  });
});
