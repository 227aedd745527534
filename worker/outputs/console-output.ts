import { Buffer } from "node:buffer";
import process from "node:process";
import type { Writable } from "node:stream";
import type { DevoEvent } from "../pipeline/event.ts";
import { CoalescingWriter } from "./coalescing-writer.ts";
import { DevoLineFormatter, formatJsonLine } from "./devo-line.ts";
import { FatalOutputError, formatThenDeliver } from "./output.ts";
import type { OutputStats, OutputWithStats } from "./output-stats.ts";
import { emptyStats } from "./output-stats.ts";

export interface ConsoleOutputOptions {
  id: string;
  format: "jsonl" | "syslog";
  hostname: string;
  /** Defaults to standard output; logs go to standard error, so the two never mix. */
  stream?: Writable;
}

/**
 * Events on standard output, as JSON lines (`{"tag","message"}`, handy with `jq`) or as the Devo line. A batch is
 * acknowledged once the stream took it (its write callback ran): with a pipe that is when the reader has room.
 *
 * A write that fails (`… | head -1`: the reader closed the pipe, EPIPE) fails for good: every send from then on
 * rejects with a {@link FatalOutputError}, which stops the run, and the stream's 'error' event is taken here instead
 * of crashing the process.
 */
export class ConsoleOutput implements OutputWithStats {
  readonly id: string;
  readonly stats: OutputStats = emptyStats();
  readonly #stream: Writable;
  readonly #writer: CoalescingWriter<string>;
  readonly #toText: (batch: readonly DevoEvent[]) => string;
  /** The stream's failure: nothing more can be written. */
  #broken: FatalOutputError | undefined;

  constructor(options: ConsoleOutputOptions) {
    this.id = options.id;
    this.#stream = options.stream ?? (process.stdout as unknown as Writable);
    this.#stream.on("error", (error: Error) => this.#breaks(error));
    if (options.format === "syslog") {
      const formatter = new DevoLineFormatter({ hostname: options.hostname });
      this.#toText = (batch) => formatter.formatBatch(batch);
    } else {
      this.#toText = jsonLines;
    }
    this.#writer = new CoalescingWriter<string>((text) => this.#writeChunk(text), {
      bufferUnits: 4 * 1024 * 1024,
      merge: (texts) => texts.join(""),
    });
  }

  send(batch: readonly DevoEvent[]): Promise<void> {
    return formatThenDeliver(batch, this.#toText, (text, events) => this.#write(text, events));
  }

  async #write(text: string, events: number): Promise<void> {
    try {
      if (this.#broken !== undefined) throw this.#broken;
      await this.#writer.push(text);
    } catch (error) {
      this.stats.failedBatches++;
      throw this.#breaks(error as Error);
    }
    this.stats.events += events;
  }

  /** Waits for what was sent to be written, unless `signal` aborts first. */
  async close(signal?: AbortSignal): Promise<void> {
    if (signal === undefined) return this.#writer.idle();
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      signal.addEventListener("abort", () => resolve(), { once: true });
      this.#writer.idle().then(resolve, resolve);
    });
  }

  #breaks(error: Error): FatalOutputError {
    this.#broken ??=
      error instanceof FatalOutputError
        ? error
        : new FatalOutputError(`output ${this.id}: cannot write to standard output: ${error.message}`, {
            cause: error,
          });
    return this.#broken;
  }

  #writeChunk(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      // One write in flight at a time, awaited through its callback: the stream's own buffer never grows past
      // one chunk, which is what `write() === false` + 'drain' would otherwise have to enforce.
      this.#stream.write(text, (error) => {
        if (error) reject(error);
        else {
          // Counted per write, not per send: one UTF-8 length scan per coalesced write instead of one per batch
          // on top of it. Every batch a write carries is acknowledged with it, so the two counts agree.
          const bytes = Buffer.byteLength(text);
          this.stats.bytesWritten += bytes;
          this.stats.bytes += bytes;
          resolve();
        }
      });
    });
  }
}

function jsonLines(batch: readonly DevoEvent[]): string {
  let text = "";
  for (let i = 0; i < batch.length; i++) text += formatJsonLine(batch[i]);
  return text;
}
