import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The worker's Prometheus metrics. One instance per process, handed to sources and the pipeline, so tests
 * can read the same counters an operator scrapes.
 */
export function createMetrics() {
  const registry = new Registry();
  const labels = ["source"] as const;
  const counter = (name: string, help: string, labelNames: readonly string[] = labels) =>
    new Counter({ name: `devo_collector_${name}`, help, labelNames, registers: [registry] });
  return {
    registry,
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
    workInFlight: new Gauge({
      name: "devo_collector_work_in_flight",
      help: "Work items being processed",
      registers: [registry],
    }),
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
