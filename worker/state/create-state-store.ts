import type { Logger } from "pino";
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
 * only as long as the process: say so loudly, since a restart then starts again from `start_time`.
 */
export function createStateStore(persistence: PersistenceConfig | undefined, logger?: Logger): StateStore {
  if (persistence === undefined) {
    logger?.warn(
      "globals.persistence is not set: API cursors are kept in memory and a restart starts again from start_time",
    );
    return new MemoryStateStore();
  }
  return new FileStateStore(persistence.config.directory_name);
}
