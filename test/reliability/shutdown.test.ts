import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Scenario } from "./helpers/scenario.ts";

const STOPS = 4;

describe("shutdown under load", () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 60 });
  });
  after(async () => {
    await scenario.stop();
  });

  it(`drains on SIGTERM ${STOPS} times mid-work: exits 0, hands unfinished messages back at once, loses nothing`, async (t) => {
    await scenario.uploadAndAnnounce(40, (i) => 1500 + ((i * 97) % 1500), 905);
    const exits: string[] = [];
    for (let k = 0; k < STOPS; k++) {
      const before = scenario.ledger.result().delivered;
      const worker = await scenario.startWorker(false);
      await scenario.newEventsAfter(before);
      const stopAt = performance.now();
      worker.child.kill("SIGTERM");
      const exit = await worker.exited;
      exits.push(`${exit.code} in ${Math.round(performance.now() - stopAt)} ms`);
      assert.equal(exit.code, 0, worker.stderr());
      // The visibility timeout is 60 s: anything still invisible now would have been kept from the next worker.
      assert.equal(scenario.queueDepth().inflight, 0, "no message left invisible after the stop");
    }
    const final = await scenario.startWorker(true);
    assert.equal((await final.exited).code, 0, final.stderr());
    const result = scenario.ledger.result();
    t.diagnostic(`stops: ${exits.join(", ")}; events ${result.expected}, duplicates ${result.duplicates}`);
    assert.deepEqual(result.violations, []);
    assert.equal(result.missing, 0);
    assert.deepEqual(scenario.queueDepth(), { ready: 0, inflight: 0, delayed: 0, dlq: 0 });
  });
});
