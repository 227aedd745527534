import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpuPerEvent, cpuScaling } from "../../scripts/bench/cpu-scaling.ts";
import type { BenchObject } from "../../scripts/bench/datasets.ts";
import {
  compareNetCounts,
  instructionSubset,
  instructionsPerEvent,
  instructionsRatio,
  netOf,
} from "../../scripts/bench/instructions.ts";

describe("instructions_ratio", () => {
  it("is the worker's net instructions per event over the bound's", () => {
    const worker = { busy: 1_500_000, idle: 400_000, events: 1000 };
    const bound = { busy: 1_200_000, idle: 200_000, events: 1000 };
    assert.equal(instructionsPerEvent(worker), 1100);
    assert.equal(instructionsRatio(worker, bound), 1.1);
  });

  it("marginal: the larger share's run net of the smaller one's, over the events it adds", () => {
    const marginal = compareNetCounts(
      netOf({ instructions: 5_000_000 }, { instructions: 1_500_000 }, 2000),
      netOf({ instructions: 4_200_000 }, { instructions: 1_200_000 }, 2000),
    );
    assert.deepEqual(marginal, { ratio: 1750 / 1500, worker: 1750, bound: 1500, events: 2000 });
  });

  it("refuses a run without events", () => {
    assert.throws(() => instructionsPerEvent({ busy: 1, idle: 0, events: 0 }), /no events/);
  });

  it("takes whole objects of every queue, in the dataset's proportions", () => {
    const object = (queue: BenchObject["queue"], i: number): BenchObject => ({
      queue,
      key: `${queue}/${i}`,
      body: Buffer.alloc(0),
      decompressedBytes: 100,
      records: 10,
    });
    const objects = [
      ...Array.from({ length: 40 }, (_, i) => object("cloudtrail", i)),
      ...Array.from({ length: 10 }, (_, i) => object("vpc", i)),
      ...Array.from({ length: 10 }, (_, i) => object("alb", i)),
    ];
    const subset = instructionSubset(objects, 600);
    assert.deepEqual(
      ["cloudtrail", "vpc", "alb"].map((q) => subset.filter((o) => o.queue === q).length),
      [4, 1, 1],
    );
    // At least one object of each queue, however small the target.
    assert.equal(instructionSubset(objects, 1).length, 3);
  });
});

describe("scaling_cpu_ratio", () => {
  it("reads each two-worker run's CPU per event against the single workers around it", () => {
    // The machine slows down steadily: CPU per event rises 10% per run, and two workers cost 2% more than one.
    const one = (cost: number) => ({ cpuSeconds: cost * 1000, eventsByWorker: [1000] });
    const two = (cost: number) => ({ cpuSeconds: cost * 1.02 * 1000, eventsByWorker: [480, 520] });
    const result = cpuScaling([one(1), one(1.2), one(1.4)], [two(1.1), two(1.3)]);
    assert.deepEqual(
      result.rounds.map((r) => r.toFixed(4)),
      ["1.0200", "1.0200"],
    );
    assert.equal(result.ratio.toFixed(4), "1.0200");
    assert.equal(result.smallestShare, 0.48);
    assert.equal(cpuPerEvent(one(2)), 2);
  });

  it("shows a worker that took no part", () => {
    const result = cpuScaling(
      [
        { cpuSeconds: 1, eventsByWorker: [100] },
        { cpuSeconds: 1, eventsByWorker: [100] },
      ],
      [{ cpuSeconds: 1.2, eventsByWorker: [100, 0] }],
    );
    assert.equal(result.smallestShare, 0);
    assert.equal(result.ratio.toFixed(2), "1.20");
  });
});

describe("scaling_cpu_ratio net of start-up", () => {
  it("takes a worker's idle CPU off each worker process, which two workers pay twice", () => {
    // Each process costs 0.5 s to start; the work itself costs 1 s per 1000 events, alone or two by two.
    const result = cpuScaling(
      [
        { cpuSeconds: 1.5, eventsByWorker: [1000] },
        { cpuSeconds: 1.5, eventsByWorker: [1000] },
      ],
      [{ cpuSeconds: 2, eventsByWorker: [500, 500] }],
      0.5,
    );
    assert.equal(result.ratio, 1);
  });
});
