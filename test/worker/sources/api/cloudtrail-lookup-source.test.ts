import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from "@aws-sdk/client-cloudtrail";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { auditEventsOptions } from "../../../../worker/services/api-service-options.ts";
import { RateLimiter } from "../../../../worker/sources/api-rate-limiter.ts";
import { CloudTrailLookupSource } from "../../../../worker/sources/cloudtrail-lookup-source.ts";
import { FileStateStore } from "../../../../worker/state/file-state-store.ts";
import { MemoryStateStore } from "../../../../worker/state/memory-state-store.ts";
import { StateCorruptError, type StateStore } from "../../../../worker/state/state-store.ts";
import { awsError, drain, FakeClock, silentLogger } from "./api-test-kit.ts";
import { fakeLookupEvents, type TrailEvent } from "./cloudtrail-fake.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const REGION = "eu-west-1";
const trail = mockClient(CloudTrailClient);

function makeSource(state: StateStore, clock: FakeClock, options: Record<string, unknown> = {}) {
  return new CloudTrailLookupSource(
    {
      inputId: "aws",
      serviceName: "audit-events-all",
      region: REGION,
      options: auditEventsOptions.parse({ start_time: new Date(T0 - 3_600_000).toISOString(), ...options }),
    },
    { state, logger: silentLogger(), clock, rateLimiter: new RateLimiter(2, clock) },
  );
}

/** `count` events spread over `seconds` distinct seconds starting at `from`, several per second. */
function events(count: number, from: number, seconds: number): TrailEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `e${String(i).padStart(4, "0")}-6f1c-4d0e-9c1a`,
    time: from + (i % seconds) * 1000,
    name: i % 7 === 0 ? "ConsoleLogin" : "CreateUser",
    source: i % 3 === 0 ? "cognito-idp.amazonaws.com" : "iam.amazonaws.com",
  }));
}

const ids = (delivered: readonly { message: string }[]) =>
  delivered.map((e) => JSON.parse(e.message).eventID as string);

describe("CloudTrailLookupSource", () => {
  let clock: FakeClock;
  beforeEach(() => {
    trail.reset();
    clock = new FakeClock(T0);
  });
  afterEach(() => trail.reset());

  it("pages through LookupEvents and sends each CloudTrailEvent, compacted, tagged cloud.aws.cloudtrail.events.<account>.<region>", async () => {
    const data = events(120, T0 - 3_000_000, 40);
    trail.on(LookupEventsCommand).callsFake(fakeLookupEvents(() => data, { pretty: true }));
    const state = new MemoryStateStore();
    const out = await drain(makeSource(state, clock));

    assert.deepEqual(ids(out.events).sort(), data.map((e) => e.id).sort());
    assert.equal(out.items.length, 3, "50 + 50 + 20");
    for (const event of out.events) {
      // use_region_and_account_id_from_event defaults to true (Devo's AWS collector page).
      assert.equal(event.tag, "cloud.aws.cloudtrail.events.123456789012.eu_west_1");
      assert.ok(!/\s/.test(event.message.replace(/"[^"]*"/g, "")), "compact JSON");
      assert.equal(event.time?.getTime(), Date.parse(JSON.parse(event.message).eventTime));
    }
    const inputs = trail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
    assert.ok(inputs.every((i) => i.MaxResults === 50));
    assert.equal(inputs[0].StartTime?.toISOString(), new Date(T0 - 3_600_000).toISOString());
    assert.equal(inputs[0].EndTime?.toISOString(), new Date(T0 - 300_000).toISOString(), "delay_seconds 300");
    assert.equal(inputs[0].NextToken, undefined);
    assert.ok(inputs[1].NextToken !== undefined && inputs[2].NextToken !== undefined);
    const saved = state.writes.at(-1)!.cursor as { time: string; window?: unknown };
    assert.equal(saved.time, new Date(T0 - 300_000).toISOString());
    assert.equal(saved.window, undefined);
  });

  it("keeps to 2 requests per second and waits out ThrottlingException and expired credentials", async () => {
    const data = events(200, T0 - 3_000_000, 100);
    const serve = fakeLookupEvents(() => data, { pageSize: 20 });
    const times: number[] = [];
    let calls = 0;
    trail.on(LookupEventsCommand).callsFake((input: LookupEventsCommandInput) => {
      calls += 1;
      times.push(clock.now());
      if (calls === 2) throw awsError("ThrottlingException", "Rate exceeded");
      if (calls === 4)
        throw awsError("ExpiredTokenException", "The security token included in the request is expired", 403);
      return serve(input);
    });
    const out = await drain(makeSource(new MemoryStateStore(), clock));
    assert.deepEqual(ids(out.events).sort(), data.map((e) => e.id).sort());
    for (let i = 1; i < times.length; i++) {
      assert.ok(times[i] - times[i - 1] >= 500, `requests ${i - 1} and ${i} only ${times[i] - times[i - 1]} ms apart`);
    }
    assert.ok(
      clock.sleeps.some((ms) => ms >= 500 && ms <= 1000),
      "backed off after the throttling error",
    );
  });

  it("tags by event source with auto_event_type, adds account and region from the event, drops drop_event_names", async () => {
    const data: TrailEvent[] = [
      { id: "a1", time: T0 - 1_000_000, name: "CreateUser", source: "iam.amazonaws.com", account: "111122223333" },
      { id: "a2", time: T0 - 1_000_000, name: "SignUp", source: "cognito-idp.amazonaws.com", region: "us-east-1" },
      { id: "a3", time: T0 - 999_000, name: "ConsoleLogin", source: "signin.amazonaws.com" },
    ];
    trail.on(LookupEventsCommand).callsFake(fakeLookupEvents(() => data));
    const state = new MemoryStateStore();
    const out = await drain(
      makeSource(state, clock, {
        auto_event_type: true,
        use_region_and_account_id_from_event: true,
        drop_event_names: ["ConsoleLogin"],
      }),
    );
    assert.deepEqual(out.events.map((e) => e.tag).sort(), [
      "cloud.aws.cloudtrail.cognito_idp.123456789012.us_east_1",
      "cloud.aws.cloudtrail.iam.111122223333.eu_west_1",
    ]);
    // The dropped event still moved the cursor: a rerun asks from the end of the window and sends nothing.
    const again = await drain(makeSource(state, clock));
    assert.equal(again.events.length, 0);
  });

  it("continues over empty pages that carry a NextToken", async () => {
    const data = events(90, T0 - 2_000_000, 30);
    trail.on(LookupEventsCommand).callsFake(fakeLookupEvents(() => data, { pageSize: 10, emptyPageEvery: 2 }));
    const out = await drain(makeSource(new MemoryStateStore(), clock));
    assert.deepEqual(ids(out.events).sort(), data.map((e) => e.id).sort());
    assert.ok(trail.commandCalls(LookupEventsCommand).length > 9);
  });

  it("offers a page handed back again and advances the cursor only on ack", async () => {
    const data = events(60, T0 - 2_000_000, 20);
    trail.on(LookupEventsCommand).callsFake(fakeLookupEvents(() => data));
    const state = new MemoryStateStore();
    const out = await drain(makeSource(state, clock), { nackItems: new Set([1]) });
    assert.equal(out.items.length, 3, "page 1 twice, then page 2");
    assert.equal(out.items[1].description, `${out.items[0].description} (attempt 2)`);
    assert.deepEqual(ids(out.events).sort(), data.map((e) => e.id).sort());
    assert.equal(state.writes.length, 2, "one cursor write per acknowledged page");
  });

  it("restarts exactly where it stopped: no event skipped or repeated, whatever the page and second boundaries", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 17 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (count, seconds, pageSize, stops, endInclusive) => {
          trail.reset();
          const runClock = new FakeClock(T0);
          // Events crowd into a few seconds, one of them the window's last second.
          const data = events(count, T0 - 300_000 - (seconds - 1) * 1000, seconds);
          trail.on(LookupEventsCommand).callsFake(fakeLookupEvents(() => data, { pageSize, endInclusive }));
          const state = new MemoryStateStore();
          const delivered: string[] = [];
          for (const stopAfterAcks of stops) {
            const run = await drain(makeSource(state, runClock), { stopAfterAcks });
            delivered.push(...ids(run.events));
          }
          const rest = await drain(makeSource(state, runClock));
          delivered.push(...ids(rest.events));
          // With an exclusive EndTime the last second belongs to the next window: a later poll gets it.
          runClock.nowMs += 60_000;
          delivered.push(...ids((await drain(makeSource(state, runClock))).events));
          assert.equal(new Set(delivered).size, delivered.length, "an event was repeated");
          assert.deepEqual(delivered.sort(), data.map((e) => e.id).sort(), "an event was skipped");
        },
      ),
      { numRuns: 150 },
    );
  });

  it("resumes from a state file written by an earlier process, and picks up newer events", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cloudtrail-state-"));
    try {
      const data = events(80, T0 - 2_000_000, 10);
      trail.on(LookupEventsCommand).callsFake(fakeLookupEvents(() => data, { pageSize: 7 }));
      const first = await drain(makeSource(new FileStateStore(dir), clock), { stopAfterAcks: 5 });
      assert.equal(first.events.length, 35);
      clock.nowMs += 600_000;
      data.push(...events(5, T0 - 100_000, 5).map((e) => ({ ...e, id: `late-${e.id}` })));
      const second = await drain(makeSource(new FileStateStore(dir), clock));
      const all = [...ids(first.events), ...ids(second.events)];
      assert.equal(new Set(all).size, all.length);
      assert.deepEqual(all.sort(), data.map((e) => e.id).sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("starts at the beginning of the 90-day history when start_time is older", async () => {
    trail.on(LookupEventsCommand).resolves({ Events: [] });
    await drain(
      makeSource(new MemoryStateStore(), clock, { start_time: new Date(T0 - 100 * 86_400_000).toISOString() }),
    );
    const first = trail.commandCalls(LookupEventsCommand)[0].args[0].input;
    const oldest = T0 - 90 * 86_400_000;
    assert.ok(first.StartTime!.getTime() >= oldest && first.StartTime!.getTime() <= oldest + 120_000);
  });

  it("refuses to run on a corrupt state file instead of starting over", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cloudtrail-corrupt-"));
    try {
      const store = new FileStateStore(dir);
      await store.write({ input: "aws", service: "audit-events-all", region: REGION }, "cloudtrail-lookup/1", {
        time: new Date(T0).toISOString(),
        ids: [],
      });
      await writeFile(store.describe({ input: "aws", service: "audit-events-all", region: REGION }), "{ truncated");
      trail.on(LookupEventsCommand).resolves({ Events: [] });
      await assert.rejects(drain(makeSource(store, clock)), StateCorruptError);
      assert.equal(trail.commandCalls(LookupEventsCommand).length, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("ends an untilIdle run with an error naming the source when AWS keeps failing", async () => {
    trail
      .on(LookupEventsCommand)
      .rejects(awsError("AccessDeniedException", "User is not authorized to perform: cloudtrail:LookupEvents", 400));
    await assert.rejects(drain(makeSource(new MemoryStateStore(), clock)), (error: Error) => {
      assert.match(error.message, /aws\/audit-events-all\/eu-west-1: LookupEvents failed 6 times/);
      assert.match(error.message, /AccessDeniedException/);
      return true;
    });
  });
  it("stops with the true cause when a delivered page's cursor cannot be saved, instead of sending it again", async () => {
    const data = events(30, T0 - 3_000_000, 10);
    trail.on(LookupEventsCommand).callsFake(fakeLookupEvents(() => data));
    const writes: unknown[] = [];
    const failingState: StateStore = {
      read: async () => undefined,
      write: async (_key, _kind, cursor) => {
        writes.push(cursor);
        throw Object.assign(new Error("EROFS: read-only file system, open 'state/aws/x.json'"), { code: "EROFS" });
      },
      describe: () => "state/aws/audit-events-all/eu-west-1.json",
    };
    const source = new CloudTrailLookupSource(
      {
        inputId: "aws",
        serviceName: "audit-events-all",
        region: REGION,
        options: auditEventsOptions.parse({ start_time: new Date(T0 - 3_600_000).toISOString() }),
      },
      { state: failingState, logger: silentLogger(), clock, rateLimiter: new RateLimiter(2, clock) },
    );
    await assert.rejects(drain(source, { untilIdle: false }), (error: Error) => {
      assert.equal(error.name, "CursorSaveError");
      assert.match(error.message, /was delivered, but saving the cursor failed \(EROFS: read-only file system/);
      return true;
    });
    assert.equal(writes.length, 1, "one save attempt: the page is not offered again");
  });
});
