import type { DevoEvent } from "../pipeline/event.ts";
import type { Output } from "./output.ts";

/**
 * Several outputs as one: a batch is delivered when every output has it. The first failure rejects, but only
 * after all sends settled, so no output is still writing the batch when the caller retries it elsewhere.
 */
export function fanOut(id: string, outputs: readonly Output[]): Output {
  return {
    id,
    async send(batch: readonly DevoEvent[]) {
      const results = await Promise.allSettled(outputs.map((output) => output.send(batch)));
      const failed = results.find((result) => result.status === "rejected");
      if (failed) throw failed.reason;
    },
    async close() {
      const results = await Promise.allSettled(outputs.map((output) => output.close()));
      const failed = results.find((result) => result.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
