import type { pino } from "pino";
import type { NetworkOutputConfig } from "../../config/outputs-schema.ts";
import type { DevoEvent } from "../../pipeline/event.ts";
import { WeightedSemaphore } from "../../pipeline/weighted-semaphore.ts";
import { DevoLineFormatter } from "../devo-line.ts";
import { formatThenDeliver } from "../output.ts";
import type { OutputStats, OutputWithStats } from "../output-stats.ts";
import { emptyStats } from "../output-stats.ts";
import { DeliveryLane } from "./delivery-lane.ts";
import { loadTlsSettings } from "./tls-settings.ts";

export interface NetworkOutputDeps {
  certsDir: string;
  hostname: string;
  logger: pino.Logger;
}

/**
 * `devo_platform` and `syslog` outputs: Devo lines over TCP or (mutual) TLS, at least once. See
 * {@link DeliveryLane} for when a batch counts as delivered and {@link SyslogConnection} for the TLS 1.3 trap.
 *
 * Many batches are sent at once (the pipeline works on many objects in parallel); their lines are merged into large
 * socket writes. Memory is bounded by `buffer_bytes`: a `send` that would exceed it waits, and that wait is the
 * pipeline's backpressure. With several `connections`, each batch goes to the least loaded one.
 */
export class NetworkOutput implements OutputWithStats {
  readonly id: string;
  readonly stats: OutputStats = emptyStats();
  readonly #formatter: DevoLineFormatter;
  readonly #lanes: DeliveryLane[];
  readonly #budget: WeightedSemaphore;
  readonly #statsTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(id: string, type: "devo_platform" | "syslog", config: NetworkOutputConfig, deps: NetworkOutputDeps) {
    this.id = id;
    const where = `outputs.${id}`;
    const tls = config.type === "SSL" ? loadTlsSettings(config, deps.certsDir, where) : undefined;
    this.#formatter = new DevoLineFormatter({
      hostname: config.hostname ?? deps.hostname,
      multiline: config.multiline,
    });
    this.#budget = new WeightedSemaphore(config.buffer_bytes);
    const logger = deps.logger.child({ output: id, type });
    const connections = config.connections ?? config.concurrent_connections ?? 1;
    this.#lanes = Array.from(
      { length: connections },
      (_, lane) =>
        new DeliveryLane({
          outputId: id,
          lane,
          target: {
            host: config.address,
            port: config.port,
            tls,
            connectTimeoutMs: config.connect_timeout_seconds * 1000,
            // A refused TLS 1.3 client certificate shows up about one round trip after the handshake.
            confirmWindowMs: Math.max(250, config.settle_ms),
          },
          settleMs: config.settle_ms,
          closeTimeoutMs: config.close_timeout_seconds * 1000,
          idleMs: config.idle_reconnect_seconds * 1000,
          maxAgeMs: config.max_connection_age_seconds * 1000,
          deliveryTimeoutMs: config.delivery_timeout_seconds * 1000,
          backoffBaseMs: config.reconnect_base_seconds * 1000,
          backoffMaxMs: config.reconnect_max_seconds * 1000,
          maxWriteBytes: Math.min(4 * 1024 * 1024, Math.max(16 * 1024, Math.floor(config.buffer_bytes / 8))),
          gzipLevel: config.gzip ? config.gzip_level : undefined,
          stats: this.stats,
          logger,
        }),
    );
    const period = config.period_sender_stats_in_seconds;
    if (period !== undefined && period > 0) {
      this.#statsTimer = setInterval(
        () => logger.info({ stats: { ...this.stats } }, "sender statistics"),
        period * 1000,
      );
      (this.#statsTimer as { unref?: () => void }).unref?.();
    }
  }

  /** Bytes of formatted lines held now (queued or awaiting acknowledgement); at most `buffer_bytes`. */
  get buffered(): number {
    return this.#budget.used;
  }

  send(batch: readonly DevoEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`output ${this.id}: send after close`));
    return formatThenDeliver(
      batch,
      (lines) => this.#formatter.encodeBatch(lines),
      (data, events) => this.#deliver(data, events),
    );
  }

  async #deliver(data: Buffer, events: number): Promise<void> {
    await this.#budget.acquire(data.length);
    try {
      await new Promise<void>((resolve, reject) => {
        this.#leastLoaded().enqueue({
          data,
          events,
          enqueuedAt: performance.now(),
          writes: 0,
          resolve,
          reject,
        });
      });
    } finally {
      this.#budget.release(data.length);
    }
  }

  /**
   * Delivers what is pending (within the delivery timeout), then closes every connection gracefully; when `signal`
   * aborts, drops them and fails what is undelivered.
   */
  async close(signal?: AbortSignal): Promise<void> {
    this.#closed = true;
    clearInterval(this.#statsTimer);
    await Promise.all(this.#lanes.map((lane) => lane.close(signal)));
  }

  #leastLoaded(): DeliveryLane {
    let best = this.#lanes[0];
    if (this.#lanes.length === 1) return best;
    let bestLoad = best.load;
    for (let i = 1; i < this.#lanes.length; i++) {
      const load = this.#lanes[i].load;
      if (load < bestLoad) {
        best = this.#lanes[i];
        bestLoad = load;
      }
    }
    return best;
  }
}
