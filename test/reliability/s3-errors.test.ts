import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { S3Fault } from "./helpers/aws-proxy.ts";
import { Scenario } from "./helpers/scenario.ts";

/**
 * A quarter of the objects answer 503 twice (the SDK's own retries absorb it), a quarter answer 500 six times
 * (more than the SDK retries: the message fails, returns and is read again), a quarter lose their connection
 * half-way through the body on the first read; the rest pass.
 */
function faultFor(index: number, attempt: number): S3Fault {
  switch (index % 4) {
    case 0:
      return attempt <= 2 ? "503" : "pass";
    case 1:
      return attempt <= 6 ? "500" : "pass";
    case 2:
      return attempt === 1 ? "reset-mid-body" : "pass";
    default:
      return "pass";
  }
}

describe("S3 returning errors for some objects", () => {
  let scenario: Scenario;
  const indexOf = new Map<string, number>();
  before(async () => {
    scenario = await Scenario.start({
      visibilityTimeout: 5,
      s3Get: (key, attempt) => faultFor(indexOf.get(key) ?? 3, attempt),
    });
  });
  after(async () => {
    await scenario.stop();
  });

  it("delivers every event once S3 recovers, and deletes no message early", async (t) => {
    const files = await scenario.uploadAndAnnounce(16, (i) => 800 + i * 50, 902);
    for (const [index, file] of files.entries()) indexOf.set(file.key, index);
    const worker = await scenario.startWorker(true);
    const { code } = await worker.exited;
    assert.equal(code, 0, worker.stderr());

    const result = scenario.ledger.result();
    t.diagnostic(
      `faults injected ${scenario.proxy.faults}; events ${result.expected}, duplicates ${result.duplicates}`,
    );
    assert.deepEqual(result.violations, []);
    assert.equal(result.missing, 0);
    for (const [index, file] of files.entries()) {
      if (index % 4 === 1)
        assert.ok(scenario.proxy.attempts(file.key) >= 7, `${file.key} was read again after six 500s`);
      if (index % 4 === 2)
        assert.ok(scenario.proxy.attempts(file.key) >= 2, `${file.key} was read again after the reset`);
    }
    assert.match(worker.stderr(), /message failed/, "the failing reads were logged");
    const depth = scenario.queueDepth();
    assert.deepEqual(depth, { ready: 0, inflight: 0, delayed: 0, dlq: 0 });
  });
});
