import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import type * as z from "../runtime/zod.ts";
import { isLeftoverTemp, writeFileAtomic } from "./atomic-write.ts";
import { envelope, openEnvelope } from "./state-envelope.ts";
import { StateCorruptError, type StateKey, type StateStore } from "./state-store.ts";

/**
 * `globals.persistence: {type: filesystem, config: {directory_name}}`: one JSON file per input, service and
 * region, `<directory>/<input>/<service>/<region>.json`, replaced atomically on every write.
 *
 * One process owns a key at a time (Devo's AWS collector does not run in parallel either); two collectors
 * sharing a directory and a key would overwrite each other's cursor.
 */
export class FileStateStore implements StateStore {
  readonly directory: string;
  readonly #now: () => Date;
  /** Per-file chain of writes, so cursors land in the order they were acknowledged. */
  readonly #queues = new Map<string, Promise<void>>();
  readonly #createdDirs = new Set<string>();

  constructor(directory: string, options: { now?: () => Date } = {}) {
    this.directory = resolve(directory);
    this.#now = options.now ?? (() => new Date());
  }

  describe(key: StateKey): string {
    return this.#path(key).file;
  }

  async read<T>(key: StateKey, kind: string, schema: z.core.$ZodType<T>): Promise<T | undefined> {
    const { dir, file, name } = this.#path(key);
    await this.#removeLeftovers(dir, name);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return undefined;
      throw new StateCorruptError(file, `cannot be read (${code ?? (error as Error).message})`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new StateCorruptError(file, `not valid JSON (${(error as Error).message}; ${text.length} bytes)`);
    }
    const opened = openEnvelope(data, key, kind, schema);
    if (!opened.ok) throw new StateCorruptError(file, opened.reason);
    return opened.cursor;
  }

  write(key: StateKey, kind: string, cursor: unknown): Promise<void> {
    const { dir, file } = this.#path(key);
    const previous = this.#queues.get(file) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        if (!this.#createdDirs.has(dir)) {
          await mkdir(dir, { recursive: true, mode: 0o700 });
          this.#createdDirs.add(dir);
        }
        await writeFileAtomic(file, `${JSON.stringify(envelope(key, kind, cursor, this.#now()))}\n`);
      });
    this.#queues.set(file, next);
    // Drop the chain once idle, so the map does not hold one settled promise per key forever.
    void next
      .finally(() => {
        if (this.#queues.get(file) === next) this.#queues.delete(file);
      })
      .catch(() => {});
    return next;
  }

  #path(key: StateKey): { dir: string; file: string; name: string } {
    const dir = join(this.directory, safeSegment(key.input), safeSegment(key.service));
    const name = `${safeSegment(key.region)}.json`;
    return { dir, file: join(dir, name), name };
  }

  async #removeLeftovers(dir: string, name: string): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return;
    }
    await Promise.all(
      entries.filter((entry) => isLeftoverTemp(entry, name)).map((entry) => unlink(join(dir, entry)).catch(() => {})),
    );
  }
}

/**
 * Input ids, service names and regions become path segments: keep them readable, but never let one escape the
 * directory (`..`, `/`) or collide with a temporary file (leading dot).
 */
export function safeSegment(value: string): string {
  const encoded = value.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return encoded.startsWith(".") ? `%2e${encoded.slice(1)}` : encoded === "" ? "%" : encoded;
}
