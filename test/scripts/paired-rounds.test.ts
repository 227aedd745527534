import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { againstNeighbours } from "../../scripts/bench/paired-rounds.ts";

describe("againstNeighbours", () => {
  it("recovers a fixed ratio on a machine slowing down steadily, where best against best does not", () => {
    // The bound is measured at t = 0, 2, 4, 6 and the worker at t = 1, 3, 5; the machine loses 10% per 2 steps.
    const speed = (t: number) => 100 - 5 * t;
    const bound = [0, 2, 4, 6].map(speed);
    const worker = [1, 3, 5].map((t) => 0.8 * speed(t));
    assert.deepEqual(
      againstNeighbours(worker, bound).map((r) => r.toFixed(6)),
      ["0.800000", "0.800000", "0.800000"],
    );
    assert.equal((Math.max(...worker) / Math.max(...bound)).toFixed(2), "0.76");
  });

  it("reads each run against its own neighbours only", () => {
    assert.deepEqual(againstNeighbours([50, 120], [100, 100, 200]), [0.5, 0.8]);
  });

  it("refuses runs without a measurement on both sides", () => {
    assert.throws(() => againstNeighbours([1, 2], [1, 2]), /2 runs need 3 measurements around them, got 2/);
  });
});
