import { Buffer } from "node:buffer";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import type { DevoEvent } from "../pipeline/event.ts";
import { CoalescingWriter } from "./coalescing-writer.ts";
import { DevoLineFormatter, formatJsonLine } from "./devo-line.ts";
import { encodeLines } from "./encode-lines.ts";
import { formatThenDeliver } from "./output.ts";
import type { OutputStats, OutputWithStats } from "./output-stats.ts";
import { emptyStats } from "./output-stats.ts";

export interface FileOutputOptions {
  id: string;
  path: string;
  format: "jsonl" | "syslog";
  hostname: string;
  /** Rotate before a write would take the file past this size; undefined: never rotate. */
  maxBytes?: number;
  /** Rotated files kept: `path.1` (newest) … `path.<maxFiles>`. */
  maxFiles: number;
  fsync: boolean;
  bufferBytes: number;
}

/**
 * Appends events to a file, as JSON lines or Devo lines, rotating by size. A batch is acknowledged once its
 * bytes were handed to the operating system (and, with `fsync`, forced to disk). Rotation happens between
 * writes and never splits a write, so a file exceeds `maxBytes` only when a single write is larger than it.
 */
export class FileOutput implements OutputWithStats {
  readonly id: string;
  readonly stats: OutputStats = emptyStats();
  readonly #options: FileOutputOptions;
  readonly #writer: CoalescingWriter<Buffer>;
  readonly #toBytes: (batch: readonly DevoEvent[]) => Buffer;
  #handle: FileHandle | undefined;
  #size = 0;
  #closed = false;

  private constructor(options: FileOutputOptions) {
    this.id = options.id;
    this.#options = options;
    if (options.format === "syslog") {
      const formatter = new DevoLineFormatter({ hostname: options.hostname });
      this.#toBytes = (batch) => formatter.encodeBatch(batch);
    } else {
      this.#toBytes = (batch) => encodeLines(batch, formatJsonLine);
    }
    this.#writer = new CoalescingWriter<Buffer>((data) => this.#append(data), {
      bufferUnits: options.bufferBytes,
      // Rotation is checked per write, so a write is kept well below the rotation size.
      maxWriteUnits: Math.max(1, Math.min(1024 * 1024, Math.floor((options.maxBytes ?? Number.MAX_SAFE_INTEGER) / 4))),
      merge: (chunks) => Buffer.concat(chunks),
    });
  }

  /** Opens (creating if needed) the file at start-up, so a wrong path or permission fails before any work. */
  static async open(options: FileOutputOptions): Promise<FileOutput> {
    const output = new FileOutput(options);
    await output.#openFile();
    return output;
  }

  send(batch: readonly DevoEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`output ${this.id}: send after close`));
    return formatThenDeliver(batch, this.#toBytes, (data, events) => this.#write(data, events));
  }

  async #write(data: Buffer, events: number): Promise<void> {
    try {
      await this.#writer.push(data);
    } catch (error) {
      this.stats.failedBatches++;
      throw new Error(`output ${this.id}: cannot write ${this.#options.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.stats.events += events;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#writer.idle();
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  async #openFile(): Promise<void> {
    const handle = await open(this.#options.path, "a");
    this.#size = (await handle.stat()).size;
    this.#handle = handle;
  }

  async #append(data: Buffer): Promise<void> {
    const { maxBytes } = this.#options;
    if (maxBytes !== undefined && this.#size > 0 && this.#size + data.length > maxBytes) await this.#rotate();
    if (this.#handle === undefined) await this.#openFile();
    const handle = this.#handle!;
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
    if (this.#options.fsync) await handle.datasync();
    this.#size += data.length;
    this.stats.bytesWritten += data.length;
    // Counted per write; every batch a write carries is acknowledged with it, so per batch would give the same.
    this.stats.bytes += data.length;
  }

  async #rotate(): Promise<void> {
    const { path, maxFiles } = this.#options;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
    if (maxFiles === 0) {
      await rm(path, { force: true });
    } else {
      // Oldest first, so each rename lands on a name that was just vacated (or the one being discarded).
      for (let i = maxFiles - 1; i >= 1; i--) await renameIfExists(`${path}.${i}`, `${path}.${i + 1}`);
      await rename(path, `${path}.1`);
    }
    this.stats.reconnects++;
    await this.#openFile();
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
