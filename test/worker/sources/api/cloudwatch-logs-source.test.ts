import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
} from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import type { DevoEvent } from "../../../../worker/pipeline/event.ts";
import { cloudwatchLogsOptions } from "../../../../worker/services/api-service-options.ts";
import { RateLimiter } from "../../../../worker/sources/api-rate-limiter.ts";
import { CloudWatchLogsSource } from "../../../../worker/sources/cloudwatch-logs-source.ts";
import { MemoryStateStore } from "../../../../worker/state/memory-state-store.ts";
import type { StateStore } from "../../../../worker/state/state-store.ts";
import { awsError, drain, FakeClock, silentLogger } from "./api-test-kit.ts";
import { fakeDescribeLogGroups, fakeFilterLogEvents, type LogEvent } from "./cloudwatch-logs-fake.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const START = T0 - 3_600_000;
const logs = mockClient(CloudWatchLogsClient);

function makeSource(state: StateStore, clock: FakeClock, options: Record<string, unknown> = {}) {
  return new CloudWatchLogsSource(
    {
      inputId: "aws",
      serviceName: "custom_service",
      region: "eu-west-1",
      options: cloudwatchLogsOptions.parse({
        log_groups: ["/aws/lambda/*", "app-audit"],
        start_time: new Date(START).toISOString(),
        ...options,
      }),
    },
    {
      state,
      logger: silentLogger(),
      clock,
      filterRateLimiter: new RateLimiter(5, clock),
      describeRateLimiter: new RateLimiter(5, clock),
    },
  );
}

/** `count` events of a group crowded onto `distinct` milliseconds from `from`, several per millisecond. */
function logEvents(group: string, count: number, from: number, distinct: number, prefix = "e"): LogEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}${group}-${String(i).padStart(6, "0")}`;
    return {
      group,
      stream: `2026/03/10/[$LATEST]${i % 3}`,
      timestamp: from + (i % distinct) * 7,
      id,
      message: `START RequestId: ${id} Version: $LATEST\n`,
    };
  });
}

const idsOf = (events: DevoEvent[]) => events.map((e) => `${e.tag}|${e.message}|${e.time?.getTime()}`);
const expectedOf = (events: LogEvent[]) =>
  events.map(
    (e) =>
      `cloud.aws.cloudwatch.logs.${e.group.toLowerCase().replace(/[^a-z0-9_]/g, "_")}|${e.message.trimEnd()}|${e.timestamp}`,
  );

describe("CloudWatchLogsSource", () => {
  let clock: FakeClock;
  beforeEach(() => {
    logs.reset();
    clock = new FakeClock(T0);
  });
  afterEach(() => logs.reset());

  it("reads exact groups and prefixes, page by page, with a cursor per group", async () => {
    const groups = ["/aws/lambda/alpha", "/aws/lambda/Beta", "/aws/ecs/other", "app-audit"];
    const data = [
      ...logEvents("/aws/lambda/alpha", 25, START + 1000, 10),
      ...logEvents("/aws/lambda/Beta", 12, START + 5000, 3),
      ...logEvents("/aws/ecs/other", 5, START + 1000, 5),
      ...logEvents("app-audit", 9, START + 2000, 9),
    ].map((e, i) => ({ ...e, message: `line ${i}: ${e.message}` }));
    logs.on(DescribeLogGroupsCommand).callsFake(fakeDescribeLogGroups(() => groups, 1));
    logs.on(FilterLogEventsCommand).callsFake(
      fakeFilterLogEvents(
        () => data,
        () => groups,
        { pageSize: 10, emptyPageEvery: 2 },
      ),
    );
    const state = new MemoryStateStore();
    const out = await drain(makeSource(state, clock));

    const wanted = data.filter((e) => e.group !== "/aws/ecs/other");
    assert.deepEqual(idsOf(out.events).sort(), expectedOf(wanted).sort());
    assert.ok(
      out.events.every((e) => !e.message.endsWith("\n")),
      "the trailing line break is not part of the message",
    );
    assert.ok(out.events.some((e) => e.tag === "cloud.aws.cloudwatch.logs._aws_lambda_beta"));
    const describes = logs.commandCalls(DescribeLogGroupsCommand).map((c) => c.args[0].input);
    assert.ok(describes.every((i) => i.logGroupNamePrefix === "/aws/lambda/"));
    assert.equal(describes.length, 2, "one group per page");
    const filters = logs
      .commandCalls(FilterLogEventsCommand)
      .map((c) => c.args[0].input as FilterLogEventsCommandInput);
    assert.deepEqual([...new Set(filters.map((f) => f.logGroupName))].sort(), [
      "/aws/lambda/Beta",
      "/aws/lambda/alpha",
      "app-audit",
    ]);
    assert.ok(filters.every((f) => f.startTime === START && f.endTime === T0 - 60_000));
    const cursor = state.writes.at(-1)!.cursor as { groups: Record<string, { ts: number }> };
    assert.deepEqual(Object.keys(cursor.groups).sort(), ["/aws/lambda/Beta", "/aws/lambda/alpha", "app-audit"]);
    assert.ok(Object.values(cursor.groups).every((g) => g.ts === T0 - 60_000));
  });

  it("skips a log group that does not exist and reads the others", async () => {
    const groups = ["app-audit"];
    const data = logEvents("app-audit", 4, START + 10, 4);
    logs.on(DescribeLogGroupsCommand).callsFake(fakeDescribeLogGroups(() => groups));
    logs.on(FilterLogEventsCommand).callsFake(
      fakeFilterLogEvents(
        () => data,
        () => groups,
      ),
    );
    const out = await drain(makeSource(new MemoryStateStore(), clock, { log_groups: ["missing-group", "app-audit"] }));
    assert.deepEqual(idsOf(out.events).sort(), expectedOf(data).sort());
  });

  it("waits out throttling", async () => {
    const groups = ["app-audit"];
    const data = logEvents("app-audit", 30, START + 10, 30);
    const serve = fakeFilterLogEvents(
      () => data,
      () => groups,
      { pageSize: 10 },
    );
    let calls = 0;
    logs.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => {
      calls += 1;
      if (calls === 2) throw awsError("ThrottlingException", "Rate exceeded");
      return serve(input);
    });
    const out = await drain(makeSource(new MemoryStateStore(), clock, { log_groups: ["app-audit"] }));
    assert.deepEqual(idsOf(out.events).sort(), expectedOf(data).sort());
    assert.equal(calls, 4);
  });

  it("restarts exactly where it stopped, also inside a millisecond shared by several events", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 13 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (count, distinct, pageSize, stops, endInclusive) => {
          logs.reset();
          const runClock = new FakeClock(T0);
          const groups = ["app-audit", "app-b"];
          const end = T0 - 60_000;
          // The last millisecond of the first window holds several events: the hardest boundary.
          const data = [
            ...logEvents("app-audit", count, end - (distinct - 1) * 7, distinct),
            ...logEvents("app-b", Math.ceil(count / 2), START + 3, distinct),
          ];
          logs.on(DescribeLogGroupsCommand).callsFake(fakeDescribeLogGroups(() => groups));
          logs.on(FilterLogEventsCommand).callsFake(
            fakeFilterLogEvents(
              () => data,
              () => groups,
              { pageSize, endInclusive },
            ),
          );
          const state = new MemoryStateStore();
          const delivered: DevoEvent[] = [];
          const options = { log_groups: ["app-*"] };
          for (const stopAfterAcks of stops) {
            delivered.push(...(await drain(makeSource(state, runClock, options), { stopAfterAcks })).events);
          }
          delivered.push(...(await drain(makeSource(state, runClock, options))).events);
          // Newer events, some on the very millisecond where the saved cursor stands (the previous read
          // ended there, so they are new to it whether or not endTime counts as inclusive).
          const saved = state.writes.at(-1)!.cursor as { groups: Record<string, { ts: number }> };
          data.push(...logEvents("app-audit", 6, saved.groups["app-audit"].ts, 2, "late"));
          runClock.nowMs += 120_000;
          delivered.push(...(await drain(makeSource(state, runClock, options))).events);
          const got = idsOf(delivered);
          const want = expectedOf(data);
          assert.equal(new Set(got).size, got.length, "an event was repeated");
          assert.deepEqual(got.sort(), want.sort(), "an event was skipped");
        },
      ),
      { numRuns: 120 },
    );
  });
});
