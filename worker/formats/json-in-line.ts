import { type JsonPiece, JsonSplitter } from "./json-splitter.ts";

const encoder = new TextEncoder();

/**
 * The JSON texts of one line that holds several values written with no separator (`{…}{…}`, as Firehose does), or
 * undefined when the line is not made of JSON values only. Only called after JSON.parse of the line failed.
 */
export function jsonValuesInLine(line: string): string[] | undefined {
  const splitter = new JsonSplitter({ strict: false });
  const pieces: JsonPiece[] = [];
  splitter.push(encoder.encode(line), pieces);
  splitter.end(pieces);
  if (pieces.length < 2 || pieces.some((piece) => piece.kind !== "record")) return undefined;
  return pieces.map((piece) => piece.text);
}
