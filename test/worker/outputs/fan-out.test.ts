import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fanOut } from "../../../worker/outputs/fan-out.ts";
import type { Output } from "../../../worker/outputs/output.ts";

function recorder(id: string, delayMs: number, fail?: Error) {
  const settled: string[] = [];
  const output: Output = {
    id,
    async send(batch) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fail) throw fail;
      settled.push(...batch.map((event) => event.message));
    },
    async close() {},
  };
  return { output, settled };
}

describe("fanOut", () => {
  it("resolves only when every output has the batch", async () => {
    const fast = recorder("fast", 1);
    const slow = recorder("slow", 30);
    await fanOut("both", [fast.output, slow.output]).send([{ tag: "a.b", message: "m" }]);
    assert.deepEqual([fast.settled, slow.settled], [["m"], ["m"]]);
  });

  it("rejects with the failure, but only after the other outputs settled", async () => {
    const slow = recorder("slow", 30);
    const broken = recorder("broken", 1, new Error("disk full"));
    await assert.rejects(
      fanOut("both", [broken.output, slow.output]).send([{ tag: "a.b", message: "m" }]),
      /disk full/,
    );
    assert.deepEqual(slow.settled, ["m"]);
  });
});
