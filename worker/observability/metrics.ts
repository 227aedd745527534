import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { OutputStats } from "../outputs/output-stats.ts";
import { Activity } from "./health.ts";

/**
 * The worker's Prometheus metrics. One instance per process, handed to sources and the pipeline, so tests
 * can read the same counters an operator scrapes.
 */
export function createMetrics() {
  const registry = new Registry();
  const labels = ["source"] as const;
  const counter = (name: string, help: string, labelNames: readonly string[] = labels) =>
    new Counter({ name: `devo_collector_${name}`, help, labelNames, registers: [registry] });
  const activity = new Activity();
  return {
    registry,
    /** What the health check judges; stamped by the receive counters below and by the pipeline's sends. */
    activity,
    receives: stamping(counter("receives_total", "SQS receives that succeeded, empty long polls included"), () =>
      activity.receiveSucceeded(),
    ),
    receiveErrors: stamping(
      counter("receive_errors_total", "SQS receives that failed (each is logged, then retried with backoff)"),
      () => activity.receiveFailed(),
    ),
    messagesReceived: counter("messages_received_total", "SQS messages received"),
    messagesDeleted: counter("messages_deleted_total", "SQS messages deleted after every event was delivered"),
    messagesReturned: counter(
      "messages_returned_total",
      "SQS messages left for redelivery after a failure or at shutdown",
      ["source", "reason"],
    ),
    messagesIgnored: counter(
      "messages_ignored_total",
      "SQS messages that announce nothing (s3:TestEvent, only non-create records)",
    ),
    messagesUnrecognised: counter("messages_unrecognised_total", "SQS messages of no known shape, left for the DLQ"),
    objects: counter("objects_total", "S3 objects read completely"),
    objectFailures: counter("object_failures_total", "S3 objects that could not be read"),
    bytes: counter("object_bytes_total", "Bytes downloaded from S3 (as stored, before decompression)"),
    events: counter("events_total", "Events delivered to every output", ["source", "tag"]),
    skippedRecords: counter("skipped_records_total", "Malformed records skipped inside good objects", [
      "source",
      "reason",
    ]),
    visibilityExtensions: counter("visibility_extensions_total", "In-flight messages whose visibility was extended"),
    workInFlight: countingInHand(
      new Gauge({
        name: "devo_collector_work_in_flight",
        help: "Work items being processed",
        registers: [registry],
      }),
      activity,
    ),
    bytesInFlight: new Gauge({
      name: "devo_collector_event_bytes_in_flight",
      help: "Bytes of events sent to outputs and not yet acknowledged",
      registers: [registry],
    }),
    readAheadBytes: new Gauge({
      name: "devo_collector_read_ahead_bytes",
      help: "Compressed object bytes downloaded ahead of their parse (at most the read-ahead budget)",
      registers: [registry],
    }),
    lag: new Histogram({
      name: "devo_collector_notification_lag_seconds",
      help: "Age of a notification (from the object's creation) when its events were all delivered",
      labelNames: labels,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A counter whose every increment also calls `stamp`: the sources count, and the health check learns of it. */
function stamping(counter: Counter, stamp: () => void): Counter {
  const inc = counter.inc.bind(counter) as (...args: unknown[]) => void;
  counter.inc = ((...args: unknown[]) => {
    stamp();
    inc(...args);
  }) as Counter["inc"];
  return counter;
}

/** Keeps `activity.workInHand` equal to the work-in-flight gauge (it has no labels: inc/dec take a number). */
function countingInHand(gauge: Gauge, activity: Activity): Gauge {
  const inc = gauge.inc.bind(gauge) as (value?: number) => void;
  const dec = gauge.dec.bind(gauge) as (value?: number) => void;
  gauge.inc = ((value?: number) => {
    activity.workInHand += value ?? 1;
    inc(value);
  }) as Gauge["inc"];
  gauge.dec = ((value?: number) => {
    activity.workInHand -= value ?? 1;
    dec(value);
  }) as Gauge["dec"];
  return gauge;
}

/**
 * Exports the outputs' own counters (connection failures, batches failed back, delivery timeouts), read at each
 * scrape, so that a receiver that is down shows in the metrics and not only in the log.
 */
export function observeOutputs(metrics: Metrics, outputs: readonly { id: string; stats: Readonly<OutputStats> }[]) {
  const exported: [string, string, keyof OutputStats][] = [
    [
      "output_connection_errors_total",
      "Failed connection attempts and broken connections, per output",
      "connectionErrors",
    ],
    [
      "output_failed_batches_total",
      "Batches an output failed back to the pipeline (their messages are retried)",
      "failedBatches",
    ],
    [
      "output_delivery_timeouts_total",
      "Times an output gave up on batches after delivery_timeout_seconds",
      "deliveryTimeouts",
    ],
    ["output_events_total", "Events an output acknowledged", "events"],
  ];
  for (const [name, help, field] of exported) {
    new Counter({
      name: `devo_collector_${name}`,
      help,
      labelNames: ["output"],
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const output of outputs) this.inc({ output: output.id }, output.stats[field]);
      },
    });
  }
}
