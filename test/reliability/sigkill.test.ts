import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { seededRandom } from "../../scripts/fixtures/random.ts";
import { waitFor } from "../helpers/worker-process.ts";
import { Scenario } from "./helpers/scenario.ts";

const KILLS = 12;
/**
 * A short receive visibility (the worker's heartbeat keeps live work hidden): what a killed worker held comes
 * back within seconds, so later rounds and the final run redeliver it instead of waiting out the 120 s default.
 */
const WORKER = { sqs_max_messages: 2, sqs_visibility_timeout: 3 };

describe("SIGKILL of the worker at random moments", () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 2 });
  });
  after(async () => {
    await scenario.stop();
  });

  it(`loses no event and deletes no message early across ${KILLS} kills`, async (t) => {
    const random = seededRandom(Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000));
    const kills: string[] = [];
    let midOutput = 0;
    for (let k = 0; k < KILLS; k++) {
      // Fresh work every round, so each kill finds the worker busy (plus whatever earlier kills left invisible).
      await scenario.uploadAndAnnounce(3, (i) => 1500 + ((k * 7 + i * 331) % 2500), 901 + k);
      scenario.ledger.refresh();
      const linesBefore = scenario.ledger.lines;
      const worker = await scenario.startWorker(false, WORKER);
      // Even kills land anywhere from start-up on (before the first receive, mid-download); odd kills wait for
      // the worker's first written events, then land mid-output or between a write and its delete.
      let delay: number;
      if (k % 2 === 1) {
        // Bounded wait without failing: a slow start may still be in its first download.
        const until = Date.now() + 8_000;
        while (Date.now() < until && worker.child.exitCode === null) {
          scenario.ledger.refresh();
          if (scenario.ledger.lines > linesBefore) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        delay = Math.floor(random() * 150);
      } else {
        delay = 100 + Math.floor(random() * 1000);
      }
      await new Promise((r) => setTimeout(r, delay));
      worker.child.kill("SIGKILL");
      const exit = await worker.exited;
      assert.equal(exit.signal, "SIGKILL", `kill ${k}: ${worker.stderr().slice(-500)}`);
      scenario.ledger.refresh();
      const written = scenario.ledger.lines - linesBefore;
      if (written > 0 && scenario.ledger.result().missing > 0) midOutput++;
      kills.push(`${k % 2 === 1 ? "+" : ""}${delay} ms/${written} lines`);
    }
    const final = await scenario.startWorker(true, WORKER);
    const { code } = await final.exited;
    assert.equal(code, 0, final.stderr());
    // Messages whose visibility had not run out when the final run started were waited for (until-idle counts
    // in-flight messages), so the queue is empty now.
    await waitFor(() => scenario.queueDepth().ready + scenario.queueDepth().inflight === 0, 10_000, "an empty queue");

    const result = scenario.ledger.result();
    t.diagnostic(
      `kills (delay/lines written before the kill; + = after first output) ${kills.join(", ")}; ${midOutput} with output written and work left; events ${result.expected}, duplicates ${result.duplicates} (${((100 * result.duplicates) / result.expected).toFixed(1)}%), torn lines ${scenario.ledger.tornLines}, deletions ${scenario.ledger.deletions}`,
    );
    assert.deepEqual(result.violations, [], "no message deleted before its events were delivered");
    assert.equal(result.missing, 0, "every event delivered at least once");
    assert.equal(scenario.queueDepth().dlq, 0);
    assert.ok(midOutput >= KILLS / 3, `only ${midOutput} of ${KILLS} kills landed while output was being written`);
  });
});
