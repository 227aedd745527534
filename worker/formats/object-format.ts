import type { DevoEvent } from "../pipeline/event.ts";
import type { ObjectContext } from "../services/service-definition.ts";
import type { JsonFieldValue, JsonSplitOptions } from "./json-splitter.ts";

/**
 * How an object's decompressed bytes are cut into records before a format parses them:
 * - `json`: JSON values found by the streaming scanner (`{"Records":[…]}` elements, concatenated or NDJSON values);
 * - `lines`: text lines (LF or CRLF), BOM and blank lines removed;
 * - `json-or-lines`: `json` for an object whose first byte (past whitespace and a BOM) is `{`, else `lines`: for a
 *   service whose objects come in either form (Route 53: Resolver's NDJSON, public hosted zones' text lines).
 */
export type Framing =
  | { kind: "json"; split: JsonSplitOptions }
  | { kind: "lines" }
  | { kind: "json-or-lines"; split: JsonSplitOptions };

/** A record cut from an object: one JSON text or one line. `offset` is its byte offset, for messages. */
export interface ObjectRecord {
  text: string;
  offset: number;
  /** The top-level key whose array held a JSON record (`Records`), "" otherwise. */
  from: string;
  /**
   * JSON records framed with `fields` (`JsonSplitOptions.fields`): the values the scanner read, when it read them
   * (`JsonPiece.fields`).
   */
  fields?: readonly JsonFieldValue[];
}

/** Parses the records of one object; created per object, so it may keep per-object state (a header line). */
export interface RecordParser {
  /** Appends the record's events to `out`; a bad record is counted in the context's stats, never thrown. */
  parse(record: ObjectRecord, out: DevoEvent[]): void;
  /** Events held back until the object ends (none for most formats). */
  end?(): DevoEvent[];
}

/** A log format: how its objects are framed and how each record becomes events. */
export interface ObjectFormat {
  readonly framing: Framing;
  open(context: ObjectContext): RecordParser;
}
