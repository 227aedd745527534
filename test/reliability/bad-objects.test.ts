import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { cloudTrailFileBody, generateCloudTrailFile } from "../../scripts/fixtures/cloudtrail-generator.ts";
import { waitFor } from "../helpers/worker-process.ts";
import { Scenario } from "./helpers/scenario.ts";

const PREFIX = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/22";

describe("corrupt, truncated and empty objects; poison messages", () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 5, maxReceiveCount: 3 });
  });
  after(async () => {
    await scenario.stop();
  });

  it("delivers the good objects, sends the bad ones to the DLQ with a log line, and never deletes them", async (t) => {
    await scenario.uploadAndAnnounce(6, () => 700, 903);
    const valid = gzipSync(cloudTrailFileBody(generateCloudTrailFile({ seed: 5, records: 400 })));
    const bad = {
      corrupt: `${PREFIX}/corrupt.json.gz`,
      truncated: `${PREFIX}/truncated.json.gz`,
      missing: `${PREFIX}/never-written.json.gz`,
    };
    // gzip magic and header, then bytes that are no deflate stream.
    await scenario.aws.put(
      bad.corrupt,
      Buffer.concat([valid.subarray(0, 10), Buffer.from("this is not deflate data at all".repeat(40))]),
    );
    await scenario.aws.put(bad.truncated, valid.subarray(0, Math.floor(valid.byteLength * 0.6)));
    const empty = `${PREFIX}/empty.json.gz`;
    await scenario.aws.put(empty, new Uint8Array(0));
    for (const key of [...Object.values(bad), empty]) scenario.aws.announce([{ key }], "direct");
    scenario.aws.server.sendMessage("devo-demo-cloudtrail", "this is not a notification");
    scenario.aws.server.sendMessage(
      "devo-demo-cloudtrail",
      JSON.stringify({ Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put" }] }),
    );

    const worker = await scenario.startWorker(true);
    const { code } = await worker.exited;
    const stderr = worker.stderr();
    assert.equal(code, 0, stderr);
    await waitFor(() => scenario.queueDepth().dlq >= 5, 5_000, "five messages in the DLQ");

    const result = scenario.ledger.result();
    t.diagnostic(
      `good events ${result.expected}, duplicates ${result.duplicates}, queue ${JSON.stringify(scenario.queueDepth())}`,
    );
    assert.equal(result.missing, 0, "every event of the good objects delivered");
    assert.deepEqual(result.violations, []);
    const depth = scenario.queueDepth();
    assert.equal(depth.ready + depth.inflight + depth.delayed, 0);
    // Three bad objects and two poison messages; the empty object holds no events and is not an error.
    assert.equal(depth.dlq, 5);
    for (const key of Object.values(bad)) assert.ok(stderr.includes(key), `a log line names ${key}`);
    assert.match(stderr, /unrecognised message left for the dead-letter queue/);
  });
});

/**
 * A zstd frame of RLE blocks: 4 bytes each that inflate to 128 KiB of `byte`, `bytes` in all (a multiple of
 * 128 KiB). 3 GiB of zeros is 96 KiB, built at once instead of compressed.
 */
function zstdBomb(bytes: number, byte = 0): Uint8Array {
  const BLOCK = 128 * 1024;
  const blocks = bytes / BLOCK;
  // Magic; frame header descriptor 0 (no content size, no checksum); window descriptor 0x38: a 128 KiB window.
  const out = new Uint8Array(6 + blocks * 4);
  out.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]);
  for (let i = 0; i < blocks; i++) {
    // Block header (little-endian, 3 bytes): last-block bit, type 1 (RLE), size in the upper 21 bits.
    const header = (i === blocks - 1 ? 1 : 0) | (1 << 1) | (BLOCK << 3);
    out.set([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, byte], 6 + i * 4);
  }
  return out;
}

/** Peak resident set of a live process (Linux: VmHWM of /proc/<pid>/status), in bytes. */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

const VPC_PREFIX = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/22";
const FLOW_HEADER =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

describe("a zstd bomb (96 KiB that inflates to 3 GiB of zeros) on aws_sqs_vpc", () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await Scenario.start({ visibilityTimeout: 30, maxReceiveCount: 3 });
  });
  after(async () => {
    await scenario.stop();
  });

  it("is read in bounded memory: its one 3 GiB line dropped with one log line, the good object delivered", async (t) => {
    const GiB = 1024 * 1024 * 1024;
    const bombKey = `${VPC_PREFIX}/123456789012_vpcflowlogs_us-east-1_fl-0bomb_20261122T0000Z_0bomb.log.zst`;
    const goodKey = `${VPC_PREFIX}/123456789012_vpcflowlogs_us-east-1_fl-0good_20261122T0000Z_0good.log.gz`;
    const bomb = zstdBomb(3 * GiB);
    assert.ok(bomb.length < 100 * 1024);
    const flows = Array.from(
      { length: 50 },
      (_, i) => `2 123456789012 eni-0a1 10.0.0.${i} 10.0.1.1 443 ${40000 + i} 6 10 840 1795000000 1795000060 ACCEPT OK`,
    );
    await scenario.aws.put(bombKey, bomb);
    await scenario.aws.put(goodKey, gzipSync(`${FLOW_HEADER}\n${flows.join("\n")}\n`));
    scenario.aws.announce([{ key: bombKey, size: bomb.length }], "direct");
    scenario.aws.announce([{ key: goodKey }], "sns");

    const worker = await scenario.startWorker(false, { services: { aws_sqs_vpc: {} } });
    const pid = worker.child.pid as number;
    try {
      const settled = () => {
        const depth = scenario.queueDepth();
        return depth.ready + depth.inflight + depth.delayed === 0 && scenario.ledger.deletions >= 2;
      };
      await waitFor(settled, 90_000, "both messages deleted");
      await waitFor(() => worker.stderr().includes("records over the size limit dropped"), 5_000, "the log line");
      const peak = peakRss(pid);
      t.diagnostic(`worker peak RSS ${Math.round(peak / 1024 / 1024)} MiB`);
      assert.ok(peak < 400 * 1024 * 1024, `peak RSS ${Math.round(peak / 1024 / 1024)} MiB`);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }

    const stderr = worker.stderr();
    const lines = stderr.split("\n").filter((line) => line.includes("records over the size limit dropped"));
    assert.equal(lines.length, 1, stderr);
    const logged = JSON.parse(lines[0]);
    assert.equal(logged.key, bombKey);
    assert.equal(logged.bucket, "devo-demo-cloudtrail");
    assert.equal(logged.reason, "line too long");
    assert.equal(logged.largestBytes, 3 * GiB);
    assert.equal(logged.limitBytes, 16 * 1024 * 1024);
    assert.equal(scenario.queueDepth().dlq, 0);
    const delivered = readFileSync(join(scenario.outDir, "worker-000.jsonl"), "utf8").trim().split("\n");
    assert.deepEqual(
      delivered.map((line) => JSON.parse(line).message),
      flows,
    );
  });
});
