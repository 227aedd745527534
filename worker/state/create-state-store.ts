import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import process from "node:process";
import { FileStateStore } from "./file-state-store.ts";
import { MemoryStateStore } from "./memory-state-store.ts";
import type { StateStore } from "./state-store.ts";

/** `globals.persistence` as Devo's collectors write it. */
export interface PersistenceConfig {
  type: "filesystem";
  config: { directory_name: string };
}

/**
 * The state store of a run. Without `globals.persistence` the API sources still work, but their cursors live
 * only as long as the process (buildSources says so when the run has API services).
 */
export function createStateStore(persistence: PersistenceConfig | undefined): StateStore {
  // Only API services keep cursors: the warning that they live in memory is given where those are built.
  if (persistence === undefined) return new MemoryStateStore();
  return new FileStateStore(persistence.config.directory_name);
}

/**
 * Why the persistence directory cannot hold cursors (it cannot be created, or a file cannot be written in it), or
 * undefined when it can. Checked at start-up: otherwise the first cursor save fails after its page was delivered,
 * and every restart delivers that page again.
 */
export async function persistenceProblem(persistence: PersistenceConfig | undefined): Promise<string | undefined> {
  if (persistence === undefined) return undefined;
  const directory = resolve(persistence.config.directory_name);
  const probe = join(directory, `.write-check-${process.pid}`);
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await writeFile(probe, "");
    await rm(probe, { force: true });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return `globals.persistence.config.directory_name: ${directory} cannot hold the API services' cursors (${code})`;
  }
}
