import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { cloudTrailFileBody, generateCloudTrailFile } from "../fixtures/cloudtrail-generator.ts";
import { announceObjects } from "./announce.ts";
import { type BenchObject, putObjects } from "./datasets.ts";
import { BENCH } from "./fauxqs-process.ts";
import { runWorkerUntilIdle, type WorkerRun } from "./run-worker.ts";

export interface SmallObjectsResult {
  objects: number;
  /** Records uploaded: what the worker must deliver. */
  records: number;
  /** Events the worker reported. */
  events: number;
  objectsPerSecond: number;
  /** Worker CPU (all threads) per object, start-up included. */
  cpuMsPerObject: number;
  run: WorkerRun;
}

/**
 * Many small CloudTrail files, as accounts with little activity write them (a few KB each): here the cost per
 * object (receive, GetObject, delete) outweighs parsing, so this measures the worker's per-object overhead.
 */
export async function measureSmallObjects(
  s3: S3Client,
  sqs: SQSClient,
  queueUrl: string,
  config: string,
  summaryFile: string,
  count: number,
  recordsEach = 20,
): Promise<SmallObjectsResult> {
  const objects: BenchObject[] = Array.from({ length: count }, (_, index) => {
    const file = generateCloudTrailFile({
      seed: 555_000 + index,
      records: recordsEach,
      account: BENCH.account,
      region: BENCH.region,
      start: new Date(Date.UTC(2026, 10, 20, 0, 0, index)),
    });
    const json = cloudTrailFileBody(file);
    const key = file.key.replace(/\.json\.gz$/, `_small${index}.json.gz`);
    return {
      queue: "cloudtrail",
      key,
      body: gzipSync(json),
      decompressedBytes: Buffer.byteLength(json),
      records: file.records.length,
    };
  });
  await putObjects(s3, objects);
  await announceObjects(
    sqs,
    queueUrl,
    objects.map((o) => ({ key: o.key, size: o.body.byteLength })),
  );
  const run = await runWorkerUntilIdle(config, summaryFile);
  const activeMs = (run.summary.lastAckAt ?? 0) - (run.summary.firstWorkAt ?? 0);
  return {
    objects: count,
    records: objects.reduce((sum, o) => sum + o.records, 0),
    events: run.summary.events,
    objectsPerSecond: activeMs > 0 ? count / (activeMs / 1000) : 0,
    cpuMsPerObject: run.cpuMs / count,
    run,
  };
}
