import { findService } from "../services/catalog.ts";
import { newParseStats, type ParseStats } from "../services/service-definition.ts";
import { readObject } from "./read-object.ts";

export interface ParseThroughput {
  service: string;
  /** Bytes of the object as stored (compressed or not). */
  objectBytes: number;
  events: number;
  seconds: number;
  /** Stored bytes per second, in MB (10^6). */
  mbPerSecond: number;
  stats: ParseStats;
}

/**
 * Reads one in-memory object with a service exactly as the worker does (64 KiB chunks, as S3 streams arrive) and
 * times it: the per-format figure of `npm run bench`. Pass the decompressed size to get MB/s of log data.
 */
export async function measureParseThroughput(
  serviceName: string,
  object: Uint8Array,
  options: { key?: string; serviceOptions?: Record<string, unknown>; chunkBytes?: number } = {},
): Promise<ParseThroughput> {
  const service = findService(serviceName);
  if (!service?.objectFormat) throw new Error(`${serviceName} is not a service that reads objects`);
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  async function* body(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < object.length; i += chunkBytes) yield object.subarray(i, i + chunkBytes);
  }
  const stats = newParseStats();
  const context = {
    bucket: "bench",
    key: options.key ?? "bench-object",
    options: service.options.parse(options.serviceOptions ?? {}),
    stats,
  };
  const started = performance.now();
  for await (const _batch of readObject(service, body(), context)) {
    // Only the reading is timed; the batches are dropped.
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    service: serviceName,
    objectBytes: object.length,
    events: stats.events,
    seconds,
    mbPerSecond: object.length / 1e6 / seconds,
    stats,
  };
}
