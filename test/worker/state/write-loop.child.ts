/**
 * Child process of the kill -9 test: resumes from the saved cursor, then writes ever-increasing cursors as fast
 * as it can, printing each sequence number once its write has resolved (durable). The parent kills it at random.
 */
import process from "node:process";
import { z } from "zod";
import { FileStateStore } from "../../../worker/state/file-state-store.ts";

const [directory] = process.argv.slice(2);
const key = { input: "aws", service: "audit-events-all", region: "eu-west-1" };
const cursor = z.strictObject({ seq: z.number().int(), payload: z.string(), check: z.number().int() });
const store = new FileStateStore(directory);

/** A payload large enough (~256 KiB) that a kill often lands inside a write, derived from `seq` so it can be checked. */
function payloadOf(seq: number): { payload: string; check: number } {
  const payload = `${seq}:`.repeat(1 + Math.floor(262_144 / (String(seq).length + 1)));
  return { payload, check: payload.length * 31 + seq };
}

const saved = await store.read(key, "kill-test/1", cursor);
let seq = saved?.seq ?? 0;
process.stdout.write(`start ${seq}\n`);
for (;;) {
  seq += 1;
  await store.write(key, "kill-test/1", { seq, ...payloadOf(seq) });
  process.stdout.write(`done ${seq}\n`);
}
