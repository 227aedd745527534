import type { Buffer } from "node:buffer";
import { readObject } from "../../worker/formats/read-object.ts";
import { formatJsonLine } from "../../worker/outputs/devo-line.ts";
import { encodeLines } from "../../worker/outputs/encode-lines.ts";
import { findService } from "../../worker/services/catalog.ts";
import { newParseStats } from "../../worker/services/service-definition.ts";
import { BENCH, type BenchQueue } from "./fauxqs-process.ts";

export interface BoundResult {
  events: number;
  decompressedBytes: number;
  ms: number;
}

async function* chunks(body: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < body.byteLength; offset += size) yield body.subarray(offset, offset + size);
}

/**
 * The hardware bound of one thread: the worker's own decompression, framing and parser over the same gzip bytes,
 * and each batch serialized as the file output serializes it (jsonl lines, encoded to UTF-8 bytes: what a write
 * would take); no network, no disk, no queue.
 */
export async function measureBound(
  service: string,
  objects: readonly { key: string; body: Buffer; decompressedBytes: number }[],
): Promise<BoundResult> {
  const definition = findService(service);
  if (!definition) throw new Error(`no service ${service} in the catalog`);
  let events = 0;
  let serialized = 0;
  const started = performance.now();
  for (const object of objects) {
    const context = { bucket: "bench", key: object.key, options: {}, stats: newParseStats() };
    for await (const batch of readObject(definition, chunks(object.body, 64 * 1024), context)) {
      serialized += encodeLines(batch, formatJsonLine).byteLength;
      events += batch.length;
    }
  }
  const ms = performance.now() - started;
  if (serialized === 0) throw new Error(`the bound run of ${service} produced no events`);
  return { events, decompressedBytes: objects.reduce((sum, o) => sum + o.decompressedBytes, 0), ms };
}

/** The bound of a mixed dataset: each queue's objects through its own service, one after the other. */
export async function measureDatasetBound(
  objects: readonly { queue: BenchQueue; key: string; body: Buffer; decompressedBytes: number }[],
): Promise<BoundResult> {
  const total: BoundResult = { events: 0, decompressedBytes: 0, ms: 0 };
  for (const queue of Object.keys(BENCH.services) as BenchQueue[]) {
    const group = objects.filter((o) => o.queue === queue);
    if (group.length === 0) continue;
    const result = await measureBound(BENCH.services[queue], group);
    total.events += result.events;
    total.decompressedBytes += result.decompressedBytes;
    total.ms += result.ms;
  }
  return total;
}
