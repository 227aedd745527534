import { pino } from "pino";
import { makeTestCerts } from "../../test/helpers/certs.ts";
import { SyslogNg } from "../../test/helpers/syslog-ng.ts";
import { TlsSink } from "../../test/helpers/tls-sink.ts";
import { outputsSchema } from "../../worker/config/outputs-schema.ts";
import { createOutputs } from "../../worker/outputs/create-outputs.ts";
import { DevoLineFormatter } from "../../worker/outputs/devo-line.ts";
import type { DevoEvent } from "../../worker/pipeline/event.ts";
import { WeightedSemaphore } from "../../worker/pipeline/weighted-semaphore.ts";

export interface OutputBenchOptions {
  /** Receiver: a real syslog-ng with mutual TLS, or a bare node:tls server that only counts lines. */
  into: "syslog-ng" | "tls-sink";
  events?: number;
  messageBytes?: number;
  batchSize?: number;
  /**
   * Characters of batches sent and not yet resolved, as the pipeline's `max_bytes_in_flight` bounds it: the
   * pipeline does not wait for one batch before sending the next, it waits for budget.
   */
  inFlight?: number;
  gzip?: boolean;
  connections?: number;
  /** Output settings under test (defaults: the output's own). */
  bufferBytes?: number;
  settleMs?: number;
}

export interface OutputBenchResult {
  into: string;
  bufferBytes: number | undefined;
  events: number;
  messageBytes: number;
  gzip: boolean;
  connections: number;
  /** Until the receiver had every line. */
  receivedSeconds: number;
  /** Until every `send` resolved (includes the settle window of the last writes). */
  deliveredSeconds: number;
  linesPerSecond: number;
  megabytesPerSecond: number;
}

/**
 * Throughput of the `devo_platform` output over mutual TLS on loopback, end to end: formatting, coalescing, TLS,
 * the receiver. Certificates and the receiver are set up before the clock starts. Lines/s are counted to the
 * moment the receiver had them all.
 */
export async function benchDevoOutput(options: OutputBenchOptions): Promise<OutputBenchResult> {
  const events = options.events ?? 200_000;
  const messageBytes = options.messageBytes ?? 300;
  const batchSize = options.batchSize ?? 500;
  const inFlight = new WeightedSemaphore(options.inFlight ?? 64 * 1024 * 1024);
  const gzip = options.gzip ?? false;
  const connections = options.connections ?? 1;
  const certs = await makeTestCerts();
  const receiver =
    options.into === "syslog-ng"
      ? await SyslogNg.start({
          tls: "mutual",
          serverCert: certs.serverCert,
          serverKey: certs.serverKey,
          caFile: certs.caCert,
        })
      : await TlsSink.start({
          serverCert: certs.serverCert,
          serverKey: certs.serverKey,
          clientCa: certs.caCert,
          keepLines: false,
          gzip,
        });
  try {
    const section = outputsSchema.parse({
      bench: {
        type: "devo_platform",
        config: {
          address: "localhost",
          port: receiver.port,
          chain: "ca.crt",
          cert: "client.crt",
          key: "client.key",
          gzip,
          connections,
          ...(options.bufferBytes !== undefined ? { buffer_bytes: options.bufferBytes } : {}),
          ...(options.settleMs !== undefined ? { settle_ms: options.settleMs } : {}),
        },
      },
    });
    const [output] = await createOutputs(section, {
      certsDir: certs.dir,
      hostname: "bench-host",
      logger: pino({ level: "warn" }),
    });
    const filler = "x".repeat(Math.max(0, messageBytes - 40));
    const batches: DevoEvent[][] = [];
    for (let start = 0; start < events; start += batchSize) {
      const batch: DevoEvent[] = [];
      for (let i = start; i < Math.min(events, start + batchSize); i++) {
        batch.push({ tag: "cloud.aws.cloudtrail.iam", message: `{"n":${i},"pad":"${filler}"}` });
      }
      batches.push(batch);
    }
    const started = performance.now();
    const sends: Promise<void>[] = [];
    const sending = (async () => {
      for (const batch of batches) {
        const size = batch.length * messageBytes;
        await inFlight.acquire(size);
        sends.push(output.send(batch).finally(() => inFlight.release(size)));
      }
      await Promise.all(sends);
    })();
    if (receiver instanceof SyslogNg) {
      await receiver.waitForMessages(events, 300_000);
    } else {
      await receiver.waitForLines(events, 300_000);
    }
    const receivedAt = performance.now();
    await sending;
    const deliveredAt = performance.now();
    await output.close();
    const receivedSeconds = (receivedAt - started) / 1000;
    return {
      into: options.into,
      bufferBytes: options.bufferBytes,
      events,
      messageBytes,
      gzip,
      connections,
      receivedSeconds,
      deliveredSeconds: (deliveredAt - started) / 1000,
      linesPerSecond: Math.round(events / receivedSeconds),
      megabytesPerSecond: Math.round((output.stats.bytes / receivedSeconds / 1e6) * 10) / 10,
    };
  } finally {
    if (receiver instanceof SyslogNg) await receiver.dispose();
    else await receiver.close();
    await certs.remove();
  }
}

/** Lines per second of the Devo line formatter alone (the per-event hot path). */
export function benchFormatter(events = 1_000_000, messageBytes = 300): { linesPerSecond: number } {
  const formatter = new DevoLineFormatter({ hostname: "bench-host" });
  const filler = "x".repeat(messageBytes);
  const batch: DevoEvent[] = Array.from({ length: 1000 }, (_, i) => ({
    tag: i % 2 ? "cloud.aws.cloudtrail.iam" : "cloud.aws.vpc.flow",
    message: filler,
    time: new Date(1_790_000_000_000 + i * 7),
  }));
  let length = 0;
  const started = performance.now();
  for (let done = 0; done < events; done += batch.length) length += formatter.formatBatch(batch).length;
  const seconds = (performance.now() - started) / 1000;
  if (length === 0) throw new Error("nothing formatted");
  return { linesPerSecond: Math.round(events / seconds) };
}
