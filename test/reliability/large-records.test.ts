import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { generateCloudTrailFile } from "../../scripts/fixtures/cloudtrail-generator.ts";
import { waitFor } from "../helpers/worker-process.ts";
import { Scenario } from "./helpers/scenario.ts";

const PREFIX = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/22";
const MiB = 1024 * 1024;

/** Peak resident set of a live process (Linux: VmHWM of /proc/<pid>/status), in bytes. */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** A CloudTrail file of 10 generated records with one record of about `bytes` bytes in the middle. */
function fileWithLargeRecord(seed: number, bytes: number): { body: Buffer; ids: string[]; bigId: string } {
  const records = generateCloudTrailFile({ seed, records: 10 }).records;
  const bigId = `big-${seed}`;
  const big = { ...records[0], eventID: bigId, requestParameters: { policyDocument: "p".repeat(bytes) } };
  records.splice(5, 0, big);
  return {
    body: gzipSync(JSON.stringify({ Records: records })),
    ids: records.map((record) => record.eventID as string),
    bigId,
  };
}

describe("records near and over the size limit (64 MiB JSON)", () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 30, maxReceiveCount: 3 });
  });
  after(async () => {
    await scenario.stop();
  });

  it("a 60 MB record is delivered and a 70 MB one dropped with a log line, in the memory docs/worker.md states", async (t) => {
    const near = fileWithLargeRecord(1, 60_000_000);
    const over = fileWithLargeRecord(2, 70 * MiB);
    const nearKey = `${PREFIX}/123456789012_CloudTrail_us-east-1_20261122T1000Z_near.json.gz`;
    const overKey = `${PREFIX}/123456789012_CloudTrail_us-east-1_20261122T1005Z_over.json.gz`;
    await scenario.aws.put(nearKey, near.body);
    await scenario.aws.put(overKey, over.body);
    scenario.ledger.expect(nearKey, near.ids);
    scenario.ledger.expect(
      overKey,
      over.ids.filter((id) => id !== over.bigId),
    );
    scenario.aws.announce([{ key: nearKey }], "direct");
    scenario.aws.announce([{ key: overKey }], "direct");

    const worker = await scenario.startWorker(false);
    const pid = worker.child.pid as number;
    let peak = 0;
    try {
      await waitFor(() => scenario.ledger.deletions >= 2, 60_000, "both messages deleted");
      peak = peakRss(pid);
      t.diagnostic(`worker peak RSS ${Math.round(peak / MiB)} MiB`);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
    const result = scenario.ledger.result();
    assert.equal(result.missing, 0);
    assert.deepEqual(result.violations, []);
    const stderr = worker.stderr();
    const lines = stderr.split("\n").filter((line) => line.includes("records over the size limit dropped"));
    assert.equal(lines.length, 1, stderr);
    const logged = JSON.parse(lines[0]);
    assert.equal(logged.key, overKey);
    assert.equal(logged.reason, "record too large");
    assert.ok(logged.largestBytes > 70 * MiB);
    assert.ok(peak < 600 * MiB, `peak RSS ${Math.round(peak / MiB)} MiB`);
  });
});
