import type { Buffer } from "node:buffer";
import type { DevoEvent } from "../pipeline/event.ts";
import { encodeLines } from "./encode-lines.ts";

/**
 * Devo's syslog line: `<14>YYYY-MM-DD HH:mm:ss.SSS host tag: message\n` (PRI 14 = user.info, UTC time).
 *
 * This runs once per event on the hot path, so the pieces that repeat are built once: the `<14>date.` prefix is
 * cached per second (events of one object cluster in time), `" host tag: "` per tag, milliseconds come from a
 * table. A raw CR/LF would end the line early and smuggle a second event past the tag, so it is escaped as the
 * two characters `\n` / `\r`, unless `multiline` is on: then each line is framed by octet counting
 * (`<bytes> <line>`, the count covering the line and its `\n`, as Devo's own SDK does) and newlines pass through.
 */
export class DevoLineFormatter {
  readonly #hostname: string;
  readonly #multiline: boolean;
  readonly #afterTime = new Map<string, string>();
  #second = Number.NaN;
  #secondPrefix = "";

  constructor(options: { hostname: string; multiline?: boolean }) {
    if (!/^[^\s]+$/.test(options.hostname)) {
      throw new Error(
        `host name for the Devo line must be one word without spaces, got ${JSON.stringify(options.hostname)}`,
      );
    }
    this.#hostname = options.hostname;
    this.#multiline = options.multiline ?? false;
  }

  /** One event's line, `\n` included (and its octet-count prefix in multiline mode). */
  format(event: DevoEvent, nowMs: number = Date.now()): string {
    const time = event.time === undefined ? nowMs : event.time.getTime();
    const ms = Number.isFinite(time) ? time : nowMs;
    const line = `${this.#timePrefix(ms)}${this.#hostAndTag(event.tag)}`;
    if (this.#multiline) {
      const body = `${line}${event.message}\n`;
      return `${utf8Length(body)} ${body}`;
    }
    return `${line}${escapeNewlines(event.message)}\n`;
  }

  /** The lines of a whole batch as one string, stamped with one clock reading. */
  formatBatch(batch: readonly DevoEvent[], nowMs: number = Date.now()): string {
    let text = "";
    for (let i = 0; i < batch.length; i++) text += this.format(batch[i], nowMs);
    return text;
  }

  /** The lines of a whole batch as UTF-8 bytes, stamped with one clock reading: what a file or socket takes. */
  encodeBatch(batch: readonly DevoEvent[], nowMs: number = Date.now()): Buffer {
    return encodeLines(batch, (event) => this.format(event, nowMs));
  }

  #timePrefix(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      // toISOString is `YYYY-MM-DDTHH:mm:ss.sssZ`; only the first 19 characters vary per second.
      const iso = new Date(second * 1000).toISOString();
      this.#secondPrefix = `<14>${iso.slice(0, 10)} ${iso.slice(11, 19)}.`;
      this.#second = second;
    }
    return this.#secondPrefix + MILLIS[ms - second * 1000];
  }

  #hostAndTag(tag: string): string {
    let text = this.#afterTime.get(tag);
    if (text === undefined) {
      if (!VALID_TAG.test(tag)) {
        throw new Error(
          `invalid Devo tag ${JSON.stringify(tag)}: a tag is one word without spaces or control characters`,
        );
      }
      text = ` ${this.#hostname} ${tag}: `;
      // Tags come from a fixed catalog (plus a few dynamic levels), so the map stays small; the cap guards
      // against a routing template that puts a per-event value into the tag.
      if (this.#afterTime.size >= 10_000) this.#afterTime.clear();
      this.#afterTime.set(tag, text);
    }
    return text;
  }
}

const VALID_TAG = /^[^\s\x00-\x1f\x7f:]+$/;
const NEWLINE = /[\r\n]/;

const MILLIS: string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

export function escapeNewlines(message: string): string {
  if (!NEWLINE.test(message)) return message;
  return message.replace(/\r/g, "\\r").replace(/\n/g, "\\n");
}

/** UTF-8 byte length of a string without allocating (the octet count must be bytes, not UTF-16 units). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair is two UTF-16 units and four bytes.
        bytes += 2;
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** `jsonl` line: `{"tag":…,"message":…}\n`. */
export function formatJsonLine(event: DevoEvent): string {
  return `{"tag":${JSON.stringify(event.tag)},"message":${JSON.stringify(event.message)}}\n`;
}
