import type { DevoEvent } from "../pipeline/event.ts";
import {
  countDropped,
  countIgnored,
  countSkipped,
  type ObjectContext,
  type ServiceDefinition,
} from "../services/service-definition.ts";
import { decompress } from "./decompress.ts";
import { chooseFraming } from "./first-byte-framing.ts";
import { type JsonPiece, JsonSplitter, MAX_RECORD_DEPTH } from "./json-splitter.ts";
import { type LinePiece, LineSplitter } from "./line-splitter.ts";
import type { ObjectFormat, ObjectRecord, RecordParser } from "./object-format.ts";
import { RoutingTemplate, type RoutingTemplateOptions } from "./routing-template.ts";

/** A batch is handed on at this many events or message bytes, whichever comes first. */
export const BATCH_MAX_EVENTS = 500;
export const BATCH_MAX_BYTES = 1024 * 1024;

/**
 * Reads one S3 object of an `sqs-objects` service, as the worker and `parse` both do: sniffed decompression,
 * the service's framing and parser, batches of at most BATCH_MAX_EVENTS events / BATCH_MAX_BYTES bytes.
 * Throws (ObjectReadError) when the object itself cannot be read; bad records are counted in `context.stats`.
 */
export async function* readObject(
  service: ServiceDefinition,
  body: AsyncIterable<Uint8Array>,
  context: ObjectContext,
): AsyncGenerator<DevoEvent[]> {
  if (!service.objectFormat) {
    throw new Error(`service ${service.name} does not read S3 objects (its source is ${service.source})`);
  }
  const skipReason = service.skipObject?.(context);
  if (skipReason) {
    countIgnored(context.stats, skipReason);
    return;
  }
  const format = service.objectFormat(context);
  const template =
    typeof context.options.routing_template === "string"
      ? new RoutingTemplate(context.options as unknown as RoutingTemplateOptions & { routing_template: string })
      : undefined;
  for await (const batch of readWithFormat(format, decompress(body), context)) {
    if (template) for (const event of batch) event.tag = template.render(event, context.key);
    yield batch;
  }
}

/** Frames and parses already-decompressed bytes with one format. */
export async function* readWithFormat(
  format: ObjectFormat,
  bytes: AsyncIterable<Uint8Array>,
  context: ObjectContext,
): AsyncGenerator<DevoEvent[]> {
  const parser = format.open(context);
  const batcher = new Batcher();
  const { framing, bytes: body } = await chooseFraming(format.framing, bytes);
  if (framing.kind === "json") {
    const splitter = new JsonSplitter(framing.split);
    const pieces: JsonPiece[] = [];
    for await (const chunk of body) {
      splitter.push(chunk, pieces);
      yield* parseJsonPieces(pieces, parser, batcher, context, splitter.maxRecordBytes);
    }
    splitter.end(pieces);
    yield* parseJsonPieces(pieces, parser, batcher, context, splitter.maxRecordBytes);
  } else {
    const splitter = new LineSplitter();
    const lines: LinePiece[] = [];
    for await (const chunk of body) {
      splitter.push(chunk, lines);
      yield* parseLines(lines, parser, batcher, context, splitter.maxLineBytes);
    }
    splitter.end(lines);
    yield* parseLines(lines, parser, batcher, context, splitter.maxLineBytes);
  }
  const events = parser.end ? parser.end() : undefined;
  if (events) for (const event of events) if (batcher.add(event, context)) yield batcher.take();
  if (batcher.size > 0) yield batcher.take();
}

function* parseJsonPieces(
  pieces: JsonPiece[],
  parser: RecordParser,
  batcher: Batcher,
  context: ObjectContext,
  maxRecordBytes: number,
): Generator<DevoEvent[]> {
  for (const piece of pieces) {
    if (piece.kind === "record") {
      parseRecord(parser, piece, batcher, context);
      if (batcher.settle(context)) yield batcher.take();
    } else if (piece.kind === "oversize") {
      countDropped(context, JSON_PIECE_REASONS.oversize, piece.size ?? 0, maxRecordBytes);
    } else {
      countSkipped(context.stats, JSON_PIECE_REASONS[piece.kind]);
    }
  }
  pieces.length = 0;
}

const JSON_PIECE_REASONS = {
  oversize: "record too large",
  deep: `record nested deeper than ${MAX_RECORD_DEPTH} levels`,
  garbage: "invalid JSON between records",
  truncated: "truncated record at end of object",
  unterminated: "unterminated record (the next line starts a new one)",
} as const;

function* parseLines(
  lines: LinePiece[],
  parser: RecordParser,
  batcher: Batcher,
  context: ObjectContext,
  maxLineBytes: number,
): Generator<DevoEvent[]> {
  for (const line of lines) {
    if (line.oversize) {
      countDropped(context, "line too long", line.size ?? 0, maxLineBytes);
      continue;
    }
    parseRecord(parser, line, batcher, context);
    if (batcher.settle(context)) yield batcher.take();
  }
  lines.length = 0;
}

/**
 * Parses one record; a record the runtime cannot handle (a RangeError: call stack or string length exhausted by
 * its size or nesting) is skipped and counted like any bad record, and the events it had begun to give are
 * dropped, instead of failing the whole object and every good record in it.
 */
function parseRecord(parser: RecordParser, record: ObjectRecord, batcher: Batcher, context: ObjectContext): void {
  const before = batcher.pending.length;
  try {
    parser.parse(record, batcher.pending);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    batcher.pending.length = before;
    countSkipped(context.stats, `record the runtime cannot process (${error.message})`);
  }
}

/** Collects events into batches bounded by count and bytes; counts events in the stats as they settle. */
class Batcher {
  pending: DevoEvent[] = [];
  private counted = 0;
  private bytes = 0;

  get size(): number {
    return this.pending.length;
  }

  /** Accounts for events a parser appended to `pending`; true when the batch is full. */
  settle(context: ObjectContext): boolean {
    for (let i = this.counted; i < this.pending.length; i++) this.bytes += this.pending[i].message.length;
    context.stats.events += this.pending.length - this.counted;
    this.counted = this.pending.length;
    return this.counted >= BATCH_MAX_EVENTS || this.bytes >= BATCH_MAX_BYTES;
  }

  add(event: DevoEvent, context: ObjectContext): boolean {
    this.pending.push(event);
    return this.settle(context);
  }

  take(): DevoEvent[] {
    const batch = this.pending;
    this.pending = [];
    this.counted = 0;
    this.bytes = 0;
    return batch;
  }
}
