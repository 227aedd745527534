import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { describe, it } from "node:test";
import type { OutputWithStats } from "../../../worker/outputs/output-stats.ts";
import { batchesOf, buildOutput } from "./network-output-fixture.ts";

/** A TCP server that accepts connections and never reads from them. */
async function neverReads(): Promise<{ port: number; accepted: () => number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    accepted: () => sockets.size,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** 8 MB of lines in 64 batches: far more than the kernel buffers of a connection nobody reads. */
function sendMany(output: OutputWithStats) {
  const payload = "x".repeat(1000);
  return batchesOf("stuck", 8000, 125).map((batch) =>
    output.send(batch.map((event) => ({ ...event, message: `${event.message} ${payload}` }))).then(
      () => "delivered" as const,
      (error: Error) => error,
    ),
  );
}

/** Resolves with `promise`'s value, or with "timed out" after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "timed out"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<"timed out">((resolve) => {
      timer = setTimeout(() => resolve("timed out"), ms);
    }),
  ]);
}

describe("network output against a receiver that never reads", () => {
  it("fails the stuck batches back after delivery_timeout_seconds, with a log line", async () => {
    const receiver = await neverReads();
    const { output, logs } = await buildOutput(
      "syslog",
      { address: "127.0.0.1", port: receiver.port, type: "TCP", settle_ms: 50, delivery_timeout_seconds: 1 },
      ".",
    );
    try {
      const started = performance.now();
      const settled = await within(Promise.all(sendMany(output)), 15_000);
      assert.notEqual(settled, "timed out", "every send settles (the old output waited forever)");
      const failures = (settled as (Error | "delivered")[]).filter((result) => result !== "delivered") as Error[];
      assert.ok(failures.length > 0, "the batches stuck in the socket fail back");
      assert.match(failures[0].message, /output out: not delivered within 1 s \(delivery_timeout_seconds\)/);
      assert.match(failures[0].message, /took no data/);
      assert.ok(performance.now() - started >= 1000, "not before the timeout");
      assert.ok(output.stats.deliveryTimeouts > 0);
      assert.ok(
        logs.some(
          (line) => line.level === 40 && /the receiver took no data for 1 s .*connection dropped/.test(line.msg),
        ),
        JSON.stringify(logs),
      );
      assert.equal(await within(output.close(), 10_000), undefined, "close ends");
    } finally {
      await receiver.stop();
    }
  });

  it("close(signal) gives up when the signal aborts: sends fail, connections dropped", async () => {
    const receiver = await neverReads();
    const { output } = await buildOutput(
      "syslog",
      { address: "127.0.0.1", port: receiver.port, type: "TCP", settle_ms: 50 },
      ".",
    );
    try {
      const sends = sendMany(output);
      while (receiver.accepted() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const closing = output.close(AbortSignal.timeout(300));
      assert.equal(await within(closing, 10_000), undefined, "close ends once its signal aborts");
      const results = await within(Promise.all(sends), 1_000);
      assert.notEqual(results, "timed out");
      const failed = (results as (Error | "delivered")[]).filter((result) => result !== "delivered") as Error[];
      assert.ok(failed.length > 0);
      assert.match(failed[0].message, /output out: given up at shutdown/);
    } finally {
      await receiver.stop();
    }
  });

  it("close(signal) also stops reconnecting to a receiver that refuses connections", async () => {
    const receiver = await neverReads();
    const port = receiver.port;
    await receiver.stop();
    const { output } = await buildOutput(
      "syslog",
      { address: "127.0.0.1", port, type: "TCP", reconnect_base_seconds: 0.1, reconnect_max_seconds: 0.5 },
      ".",
    );
    const sent = output.send(batchesOf("refused", 10, 10)[0]).then(
      () => "delivered",
      (error: Error) => error.message,
    );
    while (output.stats.connectionErrors < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await within(output.close(AbortSignal.timeout(500)), 10_000), undefined);
    assert.match(String(await sent), /given up at shutdown/);
  });
});
