/**
 * The bound measured in processes of its own, like the workers it is compared with: one process over the whole
 * dataset, or several at once over interleaved shares of it. Several bound processes at once give the machine's
 * own scaling ceiling for this work (shared caches, memory bandwidth, the cores the host really gives), against
 * which the workers' scaling is read.
 *
 * Run as a script (`bound-processes.ts <dir> <part> <parts>`) it is one such process: it loads its share, says
 * `ready`, waits for a line on stdin so that all processes start together, then prints `{"events","ms"}`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { RUNTIME_NODE_ARGS } from "../build.ts";
import { measureDatasetBound } from "./bound.ts";
import type { BenchObject } from "./datasets.ts";

const MANIFEST = "manifest.json";

type ManifestEntry = Omit<BenchObject, "body"> & { file: string };

/** Writes the dataset's gzip bodies and a manifest to `dir`, for bound processes to load. */
export async function writeDataset(dir: string, objects: readonly BenchObject[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const manifest: ManifestEntry[] = [];
  for (const [index, { body, ...entry }] of objects.entries()) {
    const file = `${index}.gz`;
    await writeFile(join(dir, file), body);
    manifest.push({ ...entry, file });
  }
  await writeFile(join(dir, MANIFEST), JSON.stringify(manifest));
}

export interface BoundProcessesResult {
  events: number;
  /** From the common start until the slowest process finished. */
  ms: number;
  eventsPerSecond: number;
}

/** `parts` bound processes at once, each over every `parts`-th object of the dataset in `dir`. */
export async function measureBoundProcesses(dir: string, parts: number): Promise<BoundProcessesResult> {
  const children = Array.from({ length: parts }, (_, part) =>
    spawn(process.execPath, [...RUNTIME_NODE_ARGS, fileURLToPath(import.meta.url), dir, String(part), String(parts)], {
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  const lines = children.map((child) => createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  const exits = children.map((child) => once(child, "exit"));
  for (const [part, reader] of lines.entries()) {
    const ready = await reader.next();
    if (ready.value !== "ready") throw new Error(`bound process ${part}/${parts} did not start: ${ready.value}`);
  }
  for (const child of children) child.stdin.end("go\n");
  const results = await Promise.all(
    lines.map(async (reader, part) => {
      const line = await reader.next();
      if (line.done) throw new Error(`bound process ${part}/${parts} exited without a result`);
      return JSON.parse(line.value) as { events: number; ms: number };
    }),
  );
  await Promise.all(exits);
  const events = results.reduce((sum, r) => sum + r.events, 0);
  const ms = Math.max(...results.map((r) => r.ms));
  return { events, ms, eventsPerSecond: events / (ms / 1000) };
}

async function runOnePart(dir: string, part: number, parts: number): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST), "utf8")) as ManifestEntry[];
  const objects: BenchObject[] = [];
  for (const [index, entry] of manifest.entries()) {
    if (index % parts !== part) continue;
    objects.push({ ...entry, body: await readFile(join(dir, entry.file)) });
  }
  process.stdout.write("ready\n");
  const go = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  await go.next();
  const result = await measureDatasetBound(objects);
  process.stdout.write(`${JSON.stringify({ events: result.events, ms: result.ms })}\n`);
  process.exit(0);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, part, parts] = process.argv.slice(2);
  runOnePart(dir, Number(part), Number(parts)).catch((error: Error) => {
    process.stderr.write(`bound process failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
