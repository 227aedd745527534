import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { seededRandom } from "../../scripts/fixtures/random.ts";
import { waitFor } from "../helpers/worker-process.ts";
import { Scenario } from "./helpers/scenario.ts";

const KILLS = 12;

describe("SIGKILL of the worker at random moments", () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 2 });
  });
  after(async () => {
    await scenario.stop();
  });

  it(`loses no event and deletes no message early across ${KILLS} kills`, async (t) => {
    await scenario.uploadAndAnnounce(30, (i) => 1500 + ((i * 331) % 2500), 901);
    const random = seededRandom(Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000));
    const kills: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      scenario.ledger.refresh();
      const linesBefore = scenario.ledger.lines;
      const worker = await scenario.startWorker(false, { sqs_max_messages: 2 });
      // Even kills land anywhere from start-up on (before the first receive, mid-download); odd kills wait for
      // the worker's first written events, then land mid-object or between a write and its delete.
      if (k % 2 === 1) {
        // Bounded wait without failing: late kills may find the work already done.
        const until = Date.now() + 8_000;
        while (Date.now() < until && worker.child.exitCode === null) {
          scenario.ledger.refresh();
          if (scenario.ledger.lines > linesBefore || scenario.ledger.result().missing === 0) break;
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      const delay = (k % 2 === 1 ? 0 : 300) + Math.floor(random() * 1200);
      await new Promise((r) => setTimeout(r, delay));
      worker.child.kill("SIGKILL");
      const exit = await worker.exited;
      assert.equal(exit.signal, "SIGKILL", `kill ${k}: ${worker.stderr().slice(-500)}`);
      scenario.ledger.refresh();
      kills.push(`${k % 2 === 1 ? "+" : ""}${delay} ms/${scenario.ledger.lines - linesBefore} lines`);
    }
    const final = await scenario.startWorker(true);
    const { code } = await final.exited;
    assert.equal(code, 0, final.stderr());
    // Messages whose visibility had not run out when the final run started were waited for (until-idle counts
    // in-flight messages), so the queue is empty now.
    await waitFor(() => scenario.queueDepth().ready + scenario.queueDepth().inflight === 0, 10_000, "an empty queue");

    const result = scenario.ledger.result();
    t.diagnostic(
      `kills (delay/lines written before the kill; + = after first output) ${kills.join(", ")}; events ${result.expected}, duplicates ${result.duplicates} (${((100 * result.duplicates) / result.expected).toFixed(1)}%), torn lines ${scenario.ledger.tornLines}, deletions ${scenario.ledger.deletions}`,
    );
    assert.deepEqual(result.violations, [], "no message deleted before its events were delivered");
    assert.equal(result.missing, 0, "every event delivered at least once");
    assert.equal(scenario.queueDepth().dlq, 0);
  });
});
