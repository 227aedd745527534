import type { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { cloudTrailFileBody, generateCloudTrailFile } from "../fixtures/cloudtrail-generator.ts";
import { announceObjects } from "./announce.ts";
import { BENCH } from "./fauxqs-process.ts";
import { spawnWorker } from "./run-worker.ts";

/**
 * Delivery latency at idle: a long-polling worker (no --until-idle) writes events to standard output (console
 * output, jsonl); for each object the clock starts just before the notification is sent and stops when the
 * object's last event line arrives on the worker's stdout. Objects are put before the clock starts.
 */
export async function measureIdleLatency(
  s3: S3Client,
  sqs: SQSClient,
  queueUrl: string,
  config: string,
  samples: number,
): Promise<number[]> {
  const child = spawnWorker(["run", "--config", config]);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let lines = 0;
  let waiter: { until: number; resolve: (at: number) => void } | undefined;
  child.stdout?.on("data", (chunk: Buffer) => {
    let at = chunk.indexOf(10);
    while (at !== -1) {
      lines++;
      at = chunk.indexOf(10, at + 1);
    }
    if (waiter && lines >= waiter.until) {
      const w = waiter;
      waiter = undefined;
      w.resolve(performance.now());
    }
  });
  try {
    // Let the worker start and settle into its long poll.
    await new Promise((r) => setTimeout(r, 3000));
    const results: number[] = [];
    for (let i = 0; i < samples + 1; i++) {
      const file = generateCloudTrailFile({
        seed: 777_000 + i,
        records: 50,
        account: BENCH.account,
        region: BENCH.region,
        start: new Date(Date.UTC(2026, 10, 23, 0, i * 5)),
      });
      const body = gzipSync(cloudTrailFileBody(file));
      await s3.send(new PutObjectCommand({ Bucket: BENCH.bucket, Key: file.key, Body: body }));
      const arrived = new Promise<number>((resolve, reject) => {
        waiter = { until: lines + file.records.length, resolve };
        setTimeout(
          () =>
            reject(new Error(`object ${file.key} not delivered within 10 s; worker stderr: ${stderr.slice(-2000)}`)),
          10_000,
        ).unref();
      });
      const sent = performance.now();
      await announceObjects(sqs, queueUrl, [{ key: file.key, size: body.byteLength }]);
      const at = await arrived;
      // The first sample pays for lazy initialisation (first S3 client use); it is a warm-up, not a figure.
      if (i > 0) results.push(at - sent);
      await new Promise((r) => setTimeout(r, 200));
    }
    return results;
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
