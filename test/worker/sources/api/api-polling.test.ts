import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { ApiPolling, type PollingOptions, type PollRound } from "../../../../worker/sources/api-polling.ts";
import { Stopped } from "../../../../worker/sources/api-retry.ts";
import type { Source, WorkItem } from "../../../../worker/sources/work-item.ts";
import { MemoryStateStore } from "../../../../worker/state/memory-state-store.ts";
import { drain, FakeClock, silentLogger } from "./api-test-kit.ts";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const KEY = { input: "aws", service: "toy", region: "eu-west-1" };
const cursorSchema = z.strictObject({ at: z.number().int(), pages: z.number().int() });
type Cursor = z.output<typeof cursorSchema>;

/** A poll per call: each poll reads one page of `events` (empty: a page without events), as an API source does. */
type Poll = (round: PollRound<Cursor>, polling: ApiPolling<Cursor>) => AsyncGenerator<WorkItem, boolean>;

function toySource(
  options: Partial<PollingOptions>,
  poll: Poll,
  state = new MemoryStateStore(),
  clock = new FakeClock(T0),
) {
  const initials: number[] = [];
  const polling: ApiPolling<Cursor> = new ApiPolling(
    {
      inputId: KEY.input,
      serviceName: KEY.service,
      region: KEY.region,
      options: { delay_seconds: 60, request_period_in_seconds: 300, ...options },
    },
    { state, logger: silentLogger(), clock },
    {
      kind: "toy/1",
      schema: cursorSchema,
      initial: (startMs) => {
        initials.push(startMs);
        return { at: startMs, pages: 0 };
      },
      resumedAt: (saved) => ({ at: saved.at }),
      poll: (round) => poll(round, polling),
    },
  );
  const source: Source = { id: polling.id, work: (signal, o) => polling.run(signal, o), close: async () => {} };
  return { source, polling, state, clock, initials };
}

/** Delivers one page per poll, one event per page when `withEvents`, and moves the cursor to `round.upTo`. */
const onePage = (withEvents: (page: number) => boolean): Poll =>
  async function* (round, polling) {
    const page = polling.cursor.pages + 1;
    // A run that should have ended fails here instead of polling on forever.
    if (page > 20) throw new Error("still polling after 20 pages");
    const events = withEvents(page) ? [{ tag: "my.app.toy", message: `page ${page}` }] : [];
    return yield* round.deliver(`toy page ${page}`, events, { at: round.upTo, pages: page });
  };

describe("ApiPolling", () => {
  it("starts at start_time, or delay_seconds behind now without one, and names the source", async () => {
    const withStart = toySource(
      { start_time: "2026-03-01T00:00:00Z" },
      onePage(() => true),
    );
    await drain(withStart.source);
    assert.deepEqual(withStart.initials, [Date.parse("2026-03-01T00:00:00Z")]);
    assert.equal(withStart.source.id, "aws/toy/eu-west-1");

    const without = toySource(
      { delay_seconds: 90 },
      onePage(() => true),
    );
    await drain(without.source);
    assert.deepEqual(without.initials, [T0 - 90_000]);
  });

  it("with untilIdle polls once; saves a page's cursor only once it is acknowledged", async () => {
    const toy = toySource(
      {},
      onePage(() => true),
    );
    const handedBack = await drain(toy.source, { nackItems: new Set([1]) });
    assert.deepEqual(
      handedBack.items.map((item) => item.description),
      ["toy page 1", "toy page 1 (attempt 2)"],
      "a page handed back is offered again",
    );
    assert.deepEqual(toy.state.writes, [{ key: KEY, cursor: { at: T0 - 60_000, pages: 1 } }]);
    assert.deepEqual(toy.polling.cursor, { at: T0 - 60_000, pages: 1 });
  });

  it("saves a page without events at once, without a work item", async () => {
    const toy = toySource(
      {},
      onePage(() => false),
    );
    const result = await drain(toy.source);
    assert.equal(result.items.length, 0);
    assert.deepEqual(toy.state.writes, [{ key: KEY, cursor: { at: T0 - 60_000, pages: 1 } }]);
  });

  it("without untilIdle pauses request_period_in_seconds between polls, each reading up to a later time", async () => {
    const toy = toySource(
      { request_period_in_seconds: 120 },
      onePage((page) => page !== 2),
    );
    const result = await drain(toy.source, { untilIdle: false, stopAfterAcks: 2 });
    assert.deepEqual(
      result.items.map((item) => item.description),
      ["toy page 1", "toy page 3"],
    );
    assert.deepEqual(toy.clock.sleeps, [120_000, 120_000]);
    assert.deepEqual(
      toy.state.writes.map((w) => w.cursor),
      [
        { at: T0 - 60_000, pages: 1 },
        { at: T0 + 120_000 - 60_000, pages: 2 },
        { at: T0 + 240_000 - 60_000, pages: 3 },
      ],
    );
  });

  it("resumes from the saved cursor of an earlier run instead of starting again", async () => {
    const state = new MemoryStateStore();
    await state.write(KEY, "toy/1", { at: T0 - 3_600_000, pages: 7 });
    const toy = toySource(
      { start_time: "2026-03-01T00:00:00Z" },
      onePage(() => true),
      state,
    );
    const result = await drain(toy.source);
    assert.deepEqual(toy.initials, []);
    assert.deepEqual(
      result.items.map((item) => item.description),
      ["toy page 8"],
    );
  });

  it("refuses a saved cursor of another kind", async () => {
    const state = new MemoryStateStore();
    await state.write(KEY, "other/1", { at: 1, pages: 1 });
    const toy = toySource(
      {},
      onePage(() => true),
      state,
    );
    await assert.rejects(drain(toy.source), /holds a "other\/1" cursor, expected "toy\/1"/);
  });

  it("ends quietly when a poll is stopped, and passes any other error on", async () => {
    // biome-ignore lint/correctness/useYield: a poll that fails before it has anything to hand on
    const stopped = toySource({}, async function* () {
      throw new Stopped();
    });
    assert.equal((await drain(stopped.source)).items.length, 0);

    // biome-ignore lint/correctness/useYield: a poll that fails before it has anything to hand on
    const failing = toySource({}, async function* () {
      throw new Error("aws/toy/eu-west-1: ListThings failed 6 times");
    });
    await assert.rejects(drain(failing.source), /ListThings failed 6 times/);
  });
});
