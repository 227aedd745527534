import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "../../../worker/observability/logger.ts";
import { createMetrics } from "../../../worker/observability/metrics.ts";
import type { Output } from "../../../worker/outputs/output.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";
import { Pipeline } from "../../../worker/pipeline/pipeline.ts";
import { type Source, WorkAbandoned, type WorkItem } from "../../../worker/sources/work-item.ts";
import { collectGarbage } from "../../helpers/collect-garbage.ts";

/** A source of `items` work items of `batches` batches each, recording how each ended. */
function countingSource(items: number, batches: number, batchSize: number) {
  const outcomes: string[] = [];
  let produced = 0;
  const source: Source = {
    id: "test/source",
    async *work() {
      for (let i = 0; i < items; i++) {
        produced++;
        const item: WorkItem = {
          description: `item ${i}`,
          events: (async function* () {
            for (let b = 0; b < batches; b++) {
              yield Array.from(
                { length: batchSize },
                (_, n): DevoEvent => ({ tag: "test.tag", message: `${i}-${b}-${n}`.padEnd(100, ".") }),
              );
            }
          })(),
          ack: async () => {
            outcomes.push(`ack ${i}`);
          },
          nack: async (error) => {
            outcomes.push(`${error instanceof WorkAbandoned ? "abandoned" : "nack"} ${i}`);
          },
        };
        yield item;
      }
    },
    async close() {},
  };
  return { source, outcomes, produced: () => produced };
}

/** An output whose sends resolve only after `delayMs`, recording the most bytes it ever held unresolved. */
class SlowOutput implements Output {
  readonly id = "slow";
  outstanding = 0;
  peak = 0;
  delivered = 0;
  delayMs: number;
  constructor(delayMs: number) {
    this.delayMs = delayMs;
  }
  async send(batch: readonly DevoEvent[]) {
    const bytes = batch.reduce((sum, event) => sum + event.message.length + event.tag.length + 40, 0);
    this.outstanding += bytes;
    this.peak = Math.max(this.peak, this.outstanding);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.outstanding -= bytes;
    this.delivered += batch.length;
  }
  async close() {}
}

const deps = () => ({ logger: silentLogger(), metrics: createMetrics() });

/** A source that hands out one work item, whose batches `events` makes as the pipeline pulls them. */
function oneItemSource(id: string, events: () => AsyncIterable<DevoEvent[]>): Source {
  return {
    id,
    async *work() {
      yield { description: id, events: events(), ack: async () => {}, nack: async () => {} };
    },
    async close() {},
  };
}

describe("Pipeline", () => {
  it("counts events per tag exactly, however the tags of a batch alternate", async () => {
    const tags = ["a", "a", "b", "a", "c", "c", "c", "b", "b", "a"];
    const batches = [tags, ["x"], tags.slice(3), ["b", "b"]];
    const expected: Record<string, number> = {};
    for (const tag of batches.flat()) expected[tag] = (expected[tag] ?? 0) + 1;
    const source = oneItemSource("test/tags", async function* () {
      for (const batch of batches) yield batch.map((tag, n): DevoEvent => ({ tag, message: `${tag}${n}` }));
    });
    const pipeline = new Pipeline([source], [new SlowOutput(0)], deps(), {
      concurrency: 1,
      maxBytesInFlight: 1024 * 1024,
      shutdownGraceMs: 1000,
    });
    const summary = await pipeline.run(new AbortController().signal, { untilIdle: true });
    assert.deepEqual(summary.eventsByTag, expected);
  });

  it("never holds more unacknowledged event bytes than its budget when the output is slow", async () => {
    const { source, outcomes } = countingSource(6, 20, 50);
    const output = new SlowOutput(5);
    const budget = 64 * 1024;
    const pipeline = new Pipeline([source], [output], deps(), {
      concurrency: 4,
      maxBytesInFlight: budget,
      shutdownGraceMs: 1000,
    });
    const summary = await pipeline.run(new AbortController().signal, { untilIdle: true });
    assert.equal(summary.events, 6 * 20 * 50);
    assert.equal(output.delivered, 6 * 20 * 50);
    assert.ok(output.peak <= budget, `peak ${output.peak} > budget ${budget}`);
    assert.ok(output.peak > budget / 2, "the budget was actually used (the test measures something)");
    assert.equal(outcomes.filter((o) => o.startsWith("ack")).length, 6);
  });

  it("acknowledges only after every output delivered, and hands work back when one fails", async () => {
    const { source, outcomes } = countingSource(3, 2, 10);
    let calls = 0;
    const flaky: Output = {
      id: "flaky",
      async send() {
        calls++;
        if (calls === 3) throw new Error("connection reset");
      },
      async close() {},
    };
    const good = new SlowOutput(1);
    const pipeline = new Pipeline([source], [good, flaky], deps(), {
      concurrency: 1,
      maxBytesInFlight: 1 << 20,
      shutdownGraceMs: 1000,
    });
    const summary = await pipeline.run(new AbortController().signal, { untilIdle: true });
    assert.deepEqual(outcomes, ["ack 0", "nack 1", "ack 2"]);
    assert.equal(summary.workFailed, 1);
  });

  it("pulls work only when a slot is free", async () => {
    const { source, produced } = countingSource(50, 1, 1);
    const output = new SlowOutput(40);
    const pipeline = new Pipeline([source], [output], deps(), {
      concurrency: 3,
      maxBytesInFlight: 1 << 20,
      shutdownGraceMs: 1000,
    });
    const run = pipeline.run(new AbortController().signal, { untilIdle: true });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(produced() <= 4, `pulled ${produced()} items with 3 slots`);
    await run;
    assert.equal(produced(), 50);
  });

  it("hands in-flight work back as abandoned when the grace period ends", async () => {
    const { source, outcomes } = countingSource(2, 1, 1);
    const stuck: Output = { id: "stuck", send: () => new Promise(() => undefined), async close() {} };
    const pipeline = new Pipeline([source], [stuck], deps(), {
      concurrency: 2,
      maxBytesInFlight: 1 << 20,
      shutdownGraceMs: 50,
    });
    const stop = new AbortController();
    // The pipeline's grace timer does not hold the process open (unref), and the stuck send holds nothing:
    // keep the event loop alive for the test itself (Deno ends a test whose loop empties).
    const keepAlive = setTimeout(() => undefined, 5000);
    const run = pipeline.run(stop.signal, { untilIdle: false });
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    const summary = await run;
    assert.equal(summary.workAbandoned, 2);
    assert.deepEqual(outcomes.sort(), ["abandoned 0", "abandoned 1"]);
    clearTimeout(keepAlive);
  });

  it("keeps no batch alive while its outputs deliver it: the events are garbage once the outputs have them", async () => {
    // Outputs encode a batch before their first wait. Should the pipeline hold the batch until the send settles,
    // every batch in flight outlives young-generation collections and is copied and promoted (bench GC traces).
    const sent: WeakRef<DevoEvent[]>[] = [];
    const track = (batch: DevoEvent[]) => {
      sent.push(new WeakRef(batch));
      return batch;
    };
    const source = oneItemSource("test/retention", async function* () {
      for (let b = 0; b < 2; b++) {
        yield track(Array.from({ length: 200 }, (_, n): DevoEvent => ({ tag: "t", message: `${b}-${n}` })));
      }
    });
    // Counts each batch and answers later; like a real output it keeps only what it made of the batch.
    const finish: (() => void)[] = [];
    let received = 0;
    const held: Output = {
      id: "held",
      send(batch) {
        received += batch.length;
        return new Promise<void>((resolve) => finish.push(resolve));
      },
      async close() {},
    };
    const pipeline = new Pipeline([source], [held], deps(), {
      concurrency: 1,
      maxBytesInFlight: 1 << 20,
      shutdownGraceMs: 1000,
    });
    const run = pipeline.run(new AbortController().signal, { untilIdle: true });
    while (finish.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    collectGarbage();
    assert.equal(received, 400);
    assert.deepEqual(
      sent.map((ref) => ref.deref() === undefined),
      [true, true],
      "a batch is still reachable while its send is pending",
    );
    for (const resolve of finish) resolve();
    const summary = await run;
    assert.equal(summary.events, 400);
    assert.equal(summary.workAcked, 1);
  });
});
