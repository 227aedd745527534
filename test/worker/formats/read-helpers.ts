import { readObject } from "../../../worker/formats/read-object.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";
import { findService } from "../../../worker/services/catalog.ts";
import { newParseStats, type ParseStats, type ServiceDefinition } from "../../../worker/services/service-definition.ts";

/** Bytes of a string or a byte array. */
export function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

/** An object body delivered in chunks of `size` bytes (1 puts every boundary case in play). */
export async function* chunked(data: string | Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  const bytes = bytesOf(data);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

export interface ReadResult {
  events: DevoEvent[];
  batches: number;
  stats: ParseStats;
}

export function service(name: string, input?: ServiceDefinition["input"]): ServiceDefinition {
  const found = findService(name, input);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

/** Reads one object as the worker does, with the service's options validated by its own schema. */
export async function read(
  serviceName: string,
  data: string | Uint8Array,
  options: {
    key?: string;
    options?: Record<string, unknown>;
    chunkSize?: number;
    type?: string;
    pulledFrom?: { account: string; region: string };
  } = {},
): Promise<ReadResult> {
  const definition = service(serviceName);
  const stats = newParseStats();
  const events: DevoEvent[] = [];
  let batches = 0;
  const context = {
    bucket: "test-bucket",
    key: options.key ?? "object",
    options: definition.options.parse(options.options ?? {}),
    stats,
    type: options.type,
    pulledFrom: options.pulledFrom,
  };
  for await (const batch of readObject(definition, chunked(data, options.chunkSize), context)) {
    batches++;
    events.push(...batch);
  }
  return { events, batches, stats };
}

export function tags(events: DevoEvent[]): string[] {
  return events.map((event) => event.tag);
}
