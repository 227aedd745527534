import { Buffer } from "node:buffer";
import { createGzip, gzipSync } from "node:zlib";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { albLog, type GeneratedLog, vpcFlowLog } from "../fixtures/access-log-generators.ts";
import { cloudTrailFileBody, generateCloudTrailFile } from "../fixtures/cloudtrail-generator.ts";
import { hex, seededRandom } from "../fixtures/random.ts";
import { BENCH, type BenchQueue } from "./fauxqs-process.ts";

/**
 * A real 5-minute CloudTrail file comes from a few active sessions: the same principal, access key and source IP
 * recur across many records. The generator draws a fresh identity per record, which compresses at ~8:1 instead of
 * real CloudTrail's ~10:1; re-using `sessions` (identity, IP) pairs per file restores the real ratio.
 */
function withSessions(records: Record<string, unknown>[], seed: number, sessions = 20): Record<string, unknown>[] {
  const random = seededRandom(seed);
  const pool = records.slice(0, sessions).map((record) => [record.userIdentity, record.sourceIPAddress] as const);
  return records.map((record) => {
    const [userIdentity, sourceIPAddress] = pool[Math.floor(random() * pool.length)];
    return { ...record, userIdentity, sourceIPAddress };
  });
}

export interface BenchObject {
  /** The queue that announces it, and so the service that reads it. */
  queue: BenchQueue;
  key: string;
  /** gzip bytes as stored in S3. */
  body: Buffer;
  decompressedBytes: number;
  records: number;
}

/**
 * CloudTrail files from the project's generator (many services, identities, parameters, user agents, IPs), gzipped
 * as CloudTrail writes them, until `targetBytes` of JSON are reached. Sizes vary like real 5-minute files.
 */
export function cloudTrailObjects(targetBytes: number, seed = 90): BenchObject[] {
  const objects: BenchObject[] = [];
  let total = 0;
  for (let index = 0; total < targetBytes; index++) {
    const start = new Date(Date.UTC(2026, 10, 22, 0, 0, 0) + index * 300_000);
    const file = generateCloudTrailFile({
      seed: seed * 10_000 + index,
      records: 800 + ((index * 397) % 1600),
      start,
      account: BENCH.account,
      region: BENCH.region,
    });
    const json = cloudTrailFileBody({ ...file, records: withSessions(file.records, index) });
    const body = gzipSync(json);
    const decompressedBytes = Buffer.byteLength(json);
    total += decompressedBytes;
    objects.push({ queue: "cloudtrail", key: file.key, body, decompressedBytes, records: file.records.length });
  }
  return objects;
}

const LINE_LOGS: Record<
  "vpc" | "alb",
  { make: (count: number, seed: number) => GeneratedLog; key: (stamp: string, seed: number) => string }
> = {
  vpc: {
    make: vpcFlowLog,
    key: (stamp, seed) =>
      `AWSLogs/${BENCH.account}/vpcflowlogs/${BENCH.region}/2026/11/22/${BENCH.account}_vpcflowlogs_${BENCH.region}_fl-0a1b2c3d4e5f60718_${stamp}_${hex(seededRandom(seed), 8)}.log.gz`,
  },
  alb: {
    make: albLog,
    key: (stamp, seed) =>
      `AWSLogs/${BENCH.account}/elasticloadbalancing/${BENCH.region}/2026/11/22/${BENCH.account}_elasticloadbalancing_${BENCH.region}_app.web-prod.50dc6c495c0c9188_${stamp}_203.0.113.7_${hex(seededRandom(seed), 8)}.log.gz`,
  },
};

/**
 * VPC Flow Logs or ALB access log files, gzipped as AWS delivers them (every 5 minutes per interface or load
 * balancer node), until `targetBytes` of text are reached; 5,000-20,000 lines per file.
 */
export function lineLogObjects(kind: "vpc" | "alb", targetBytes: number, seed = 30): BenchObject[] {
  const objects: BenchObject[] = [];
  let total = 0;
  for (let index = 0; total < targetBytes; index++) {
    const log = LINE_LOGS[kind].make(5_000 + ((index * 7919) % 15_000), seed * 10_000 + index);
    const stamp = new Date(Date.UTC(2026, 10, 22, 0, 0, 0) + index * 300_000)
      .toISOString()
      .replace(/[-:]/g, "")
      .slice(0, 13);
    const decompressedBytes = Buffer.byteLength(log.text);
    total += decompressedBytes;
    objects.push({
      queue: kind,
      key: LINE_LOGS[kind].key(`${stamp}Z`, seed * 10_000 + index),
      body: gzipSync(log.text),
      decompressedBytes,
      records: log.events,
    });
  }
  return objects;
}

export async function putObjects(s3: S3Client, objects: readonly BenchObject[], parallel = 8): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: parallel }, async () => {
    while (next < objects.length) {
      const object = objects[next++];
      await s3.send(new PutObjectCommand({ Bucket: BENCH.bucket, Key: object.key, Body: object.body }));
    }
  });
  await Promise.all(lanes);
}

/**
 * Streams one CloudTrail object of at least `decompressedBytes` JSON into S3 without holding it: records from a
 * pool are written through gzip, and every 8 MiB of gzip output becomes one multipart part (fauxqs takes bodies
 * up to 11 MiB). Returns the record count and sizes.
 */
export async function putLargeCloudTrailObject(
  s3: S3Client,
  key: string,
  decompressedBytes: number,
): Promise<{ records: number; decompressed: number; compressed: number }> {
  const pool = generateCloudTrailFile({
    seed: 4242,
    records: 4000,
    account: BENCH.account,
    region: BENCH.region,
  }).records.map((record) => JSON.stringify(record));
  const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BENCH.bucket, Key: key }));
  const uploadId = upload.UploadId;
  const parts: { ETag?: string; PartNumber: number }[] = [];
  const gzip = createGzip({ level: 1 });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let compressed = 0;
  const PART = 8 * 1024 * 1024;
  const flushPart = async (force: boolean) => {
    while (pendingBytes >= PART || (force && pendingBytes > 0)) {
      const all = Buffer.concat(pending);
      const size = force && all.byteLength < PART ? all.byteLength : PART;
      const part = all.subarray(0, size);
      const rest = all.subarray(size);
      pending = rest.byteLength > 0 ? [Buffer.from(rest)] : [];
      pendingBytes = rest.byteLength;
      const number = parts.length + 1;
      const result = await s3.send(
        new UploadPartCommand({ Bucket: BENCH.bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: part }),
      );
      parts.push({ ETag: result.ETag, PartNumber: number });
      compressed += part.byteLength;
    }
  };
  gzip.on("data", (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
  });
  const ended = new Promise<void>((r) => gzip.once("end", () => r()));
  const write = async (text: string) => {
    if (!gzip.write(text)) await new Promise<void>((r) => gzip.once("drain", () => r()));
    if (pendingBytes >= PART) await flushPart(false);
  };
  let written = 0;
  let records = 0;
  await write('{"Records":[');
  let chunk = "";
  while (written < decompressedBytes) {
    const record = pool[records % pool.length];
    chunk += records === 0 ? record : `,${record}`;
    written += record.length + 1;
    records++;
    if (chunk.length > 256 * 1024) {
      await write(chunk);
      chunk = "";
    }
  }
  await write(`${chunk}]}`);
  gzip.end();
  await ended;
  await flushPart(true);
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: BENCH.bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  return { records, decompressed: written + 14, compressed };
}
