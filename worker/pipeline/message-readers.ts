import { readInlineEvents } from "../formats/read-inline-events.ts";
import { readObject } from "../formats/read-object.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { MessageReaders } from "../sources/sqs/sqs-source.ts";
import { DEFAULT_PREFETCH_TOTAL_BYTES, inTurns, ReadAheadBudget } from "./object-turns.ts";

/**
 * How the worker reads what its messages announce: S3 objects in turns, read ahead within one shared budget
 * (exported as the `read_ahead_bytes` gauge), and events carried in the message itself as they come.
 */
export function messageReaders(metrics: Metrics): MessageReaders {
  const budget = new ReadAheadBudget(DEFAULT_PREFETCH_TOTAL_BYTES, (held) => metrics.readAheadBytes.set(held));
  return { readObject: inTurns(readObject, { budget }), readInlineEvents };
}
