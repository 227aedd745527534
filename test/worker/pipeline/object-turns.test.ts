import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";
import { inTurns, ReadAheadBudget, readAhead } from "../../../worker/pipeline/object-turns.ts";

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** A body of `chunks` chunks of `size` bytes (each filled with its index), recording how far it was read. */
function body(name: string, chunks: number, size: number, log: string[], options: { failAt?: number } = {}) {
  const state = { read: 0, returned: false };
  const iterable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      return {
        async next() {
          await tick();
          if (options.failAt === state.read) throw new Error(`${name}: connection reset`);
          if (state.read === chunks) {
            log.push(`${name} body end`);
            return { done: true, value: undefined };
          }
          return { done: false, value: new Uint8Array(size).fill(state.read++) };
        },
        async return() {
          state.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { iterable, state };
}

/** A reader that turns every chunk into one event, logging when it starts and ends an object. */
async function* chunkEvents(
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  log: string[],
): AsyncGenerator<DevoEvent[]> {
  log.push(`${name} parse start`);
  for await (const chunk of chunks) {
    yield [{ tag: "test.tag", message: `${name}:${chunk[0]}:${chunk.length}` }];
    await tick();
  }
  log.push(`${name} parse end`);
}

async function collect(events: AsyncIterable<DevoEvent[]>): Promise<string[]> {
  const messages: string[] = [];
  for await (const batch of events) for (const event of batch) messages.push(event.message);
  return messages;
}

describe("inTurns: objects download together and parse one at a time", () => {
  it("never interleaves two objects' parses, and reads the waiting one ahead meanwhile", async () => {
    const log: string[] = [];
    const read = inTurns((name: string, chunks: AsyncIterable<Uint8Array>) => chunkEvents(name, chunks, log), {
      perObjectBytes: 1 << 20,
    });
    const a = body("a", 5, 10, log);
    const b = body("b", 5, 10, log);
    const [fromA, fromB] = await Promise.all([collect(read("a", a.iterable, {})), collect(read("b", b.iterable, {}))]);

    assert.deepEqual(fromA, ["a:0:10", "a:1:10", "a:2:10", "a:3:10", "a:4:10"]);
    assert.deepEqual(fromB, ["b:0:10", "b:1:10", "b:2:10", "b:3:10", "b:4:10"]);
    const parses = log.filter((line) => line.includes("parse"));
    assert.deepEqual(parses, ["a parse start", "a parse end", "b parse start", "b parse end"]);
    // b's whole body was downloaded before a finished: its turn started with every byte at hand.
    assert.ok(log.indexOf("b body end") < log.indexOf("a parse end"), log.join(", "));
  });

  it("streams the rest of an object larger than the read-ahead, in order, during its turn", async () => {
    const log: string[] = [];
    const source = body("big", 8, 100, log);
    const ahead = await readAhead(source.iterable, 250);
    assert.equal(source.state.read, 3, "reads ahead until the limit is reached, not further");
    const sizes: number[] = [];
    const firsts: number[] = [];
    for await (const chunk of ahead.chunks) {
      sizes.push(chunk.length);
      firsts.push(chunk[0]);
    }
    assert.deepEqual(firsts, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(sizes, Array(8).fill(100));
    await ahead.close();
    assert.equal(source.state.returned, false, "a body read to its end is not cut short");
  });

  const failures = [
    { where: "while reading ahead", prefetchBytes: 1 << 20, failAt: 2 },
    { where: "past the read-ahead, during its turn", prefetchBytes: 15, failAt: 3 },
  ];
  for (const { where, prefetchBytes, failAt } of failures) {
    it(`passes a body failure ${where} to the caller, and the next object still gets its turn`, async () => {
      const log: string[] = [];
      const read = inTurns((name: string, chunks: AsyncIterable<Uint8Array>) => chunkEvents(name, chunks, log), {
        perObjectBytes: prefetchBytes,
      });
      const broken = body("broken", 5, 10, log, { failAt });
      const healthy = body("healthy", 2, 10, log);
      const [failed, fine] = await Promise.allSettled([
        collect(read("broken", broken.iterable, {})),
        collect(read("healthy", healthy.iterable, {})),
      ]);
      assert.equal(failed.status, "rejected");
      assert.match(String((failed as PromiseRejectedResult).reason), /broken: connection reset/);
      assert.deepEqual(fine, { status: "fulfilled", value: ["healthy:0:10", "healthy:1:10"] });
    });
  }

  it("closes the body, frees the turn and gives back its read-ahead when the consumer stops early", async () => {
    const log: string[] = [];
    const budget = new ReadAheadBudget(1 << 20);
    const read = inTurns((name: string, chunks: AsyncIterable<Uint8Array>) => chunkEvents(name, chunks, log), {
      perObjectBytes: 25,
      budget,
    });
    const abandoned = body("abandoned", 10, 10, log);
    for await (const batch of read("abandoned", abandoned.iterable, {})) {
      assert.equal(batch[0].message, "abandoned:0:10");
      break;
    }
    assert.equal(abandoned.state.returned, true, "the rest of the body is not downloaded");
    assert.equal(budget.held, 0, "nothing of the abandoned object is still counted as read ahead");
    const next = body("next", 1, 10, log);
    assert.deepEqual(await collect(read("next", next.iterable, {})), ["next:0:10"]);
  });

  it("holds no more than the shared budget read ahead across waiting objects, and gives all of it back", async () => {
    const log: string[] = [];
    const reported: number[] = [];
    const budget = new ReadAheadBudget(30, (held) => reported.push(held));
    let heldAtFirstParse = -1;
    const read = inTurns(
      (name: string, chunks: AsyncIterable<Uint8Array>) => {
        if (heldAtFirstParse < 0) heldAtFirstParse = budget.held;
        return chunkEvents(name, chunks, log);
      },
      { perObjectBytes: 1 << 20, budget },
    );
    const names = ["a", "b", "c"];
    const bodies = names.map((name) => body(name, 5, 10, log));
    const results = await Promise.all(names.map((name, i) => collect(read(name, bodies[i].iterable, {}))));
    for (const [i, name] of names.entries()) {
      assert.deepEqual(
        results[i],
        [0, 1, 2, 3, 4].map((n) => `${name}:${n}:10`),
        `${name}: every chunk, in order, read ahead or streamed`,
      );
    }
    // The budget, plus at most the one chunk each object was reading when the budget ran out; all 150 without it.
    assert.ok(heldAtFirstParse > 0 && heldAtFirstParse <= 30 + 3 * 10, `held ${heldAtFirstParse} bytes`);
    assert.equal(budget.held, 0);
    assert.ok(Math.max(...reported) <= 30 + 3 * 10 && reported.at(-1) === 0, `reported ${reported.join(", ")}`);
  });

  it("closes the body when the reader fails before reading it", async () => {
    const source = body("unread", 10, 10, []);
    // What readObject does for a service that cannot read S3 objects: it throws before touching the body.
    const refuse = (): AsyncIterable<DevoEvent[]> => ({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new Error("service cannot read this object")),
      }),
    });
    const read = inTurns(refuse, { perObjectBytes: 25 });
    await assert.rejects(collect(read("unread", source.iterable, {})), /service cannot read this object/);
    assert.equal(source.state.returned, true);
  });
});
