import type { Buffer } from "node:buffer";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { outputsSchema } from "../../../worker/config/outputs-schema.ts";
import { createOutputs } from "../../../worker/outputs/create-outputs.ts";
import type { OutputWithStats } from "../../../worker/outputs/output-stats.ts";
import type { DevoEvent } from "../../../worker/pipeline/event.ts";
import { parseDevoLine } from "../../helpers/syslog-ng.ts";

/** Log records an output wrote, parsed, for asserting on what a user would read. */
export interface CapturedLog {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** Builds one output from a config block exactly as the worker would, with its log captured. */
export async function buildOutput(
  type: "devo_platform" | "syslog",
  config: Record<string, unknown>,
  certsDir: string,
): Promise<{ output: OutputWithStats; logs: CapturedLog[] }> {
  const logs: CapturedLog[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) if (line !== "") logs.push(JSON.parse(line));
      callback();
    },
  });
  const logger = pino({ level: "debug" }, stream);
  const section = outputsSchema.parse({ out: { type, config } });
  const [output] = await createOutputs(section, { certsDir, hostname: "test-host", logger });
  return { output, logs };
}

/** `count` events with unique messages `<prefix>-<n>`, in batches of `batchSize`. */
export function batchesOf(prefix: string, count: number, batchSize: number, tag = "my.app.test"): DevoEvent[][] {
  const batches: DevoEvent[][] = [];
  for (let start = 0; start < count; start += batchSize) {
    const batch: DevoEvent[] = [];
    for (let i = start; i < Math.min(count, start + batchSize); i++) batch.push({ tag, message: `${prefix}-${i}` });
    batches.push(batch);
  }
  return batches;
}

/** Sends batches with `parallel` sends in flight at a time, like the pipeline working on several objects. */
export async function sendAll(output: OutputWithStats, batches: DevoEvent[][], parallel: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await output.send(batches[next++]);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** How many times each expected message `<prefix>-<n>` arrived, from the raw Devo lines a receiver got. */
export function countArrivals(
  lines: string[],
  prefix: string,
  count: number,
): { missing: number[]; duplicated: number[] } {
  const seen = new Map<string, number>();
  for (const line of lines) {
    const { message } = parseDevoLine(line);
    seen.set(message, (seen.get(message) ?? 0) + 1);
  }
  const missing: number[] = [];
  const duplicated: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = seen.get(`${prefix}-${i}`) ?? 0;
    if (n === 0) missing.push(i);
    if (n > 1) duplicated.push(i);
  }
  return { missing, duplicated };
}

/** Whether every expected message `<prefix>-<n>` arrived at least once: what a receiver must show before a test counts. */
export const allArrived =
  (prefix: string, count: number) =>
  (lines: string[]): boolean =>
    countArrivals(lines, prefix, count).missing.length === 0;

/** A plain TCP receiver on loopback that keeps all it reads; `paused` leaves each connection unread until `resume`. */
export async function startTcpCollector(options: { paused?: boolean } = {}) {
  let received = "";
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    if (options.paused) socket.pause();
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString();
    });
    socket.on("end", () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received: () => received,
    resume() {
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
