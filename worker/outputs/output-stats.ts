import type { Output } from "./output.ts";

/**
 * Counters every output keeps, read by the pipeline to export metrics and by tests. Plain numbers, not metric
 * objects, so outputs stay independent of the metrics library; all counters only grow.
 */
export interface OutputStats {
  /** Events acknowledged (their `send` resolved). */
  events: number;
  /** Bytes acknowledged, as written (after framing, before compression). */
  bytes: number;
  /** Bytes written to the destination (after compression), re-sends included. */
  bytesWritten: number;
  /** Connections opened after the first one (network outputs), or files rotated (file output). */
  reconnects: number;
  /** Events written again because the connection they were on broke before they were confirmed. */
  resentEvents: number;
  /** Failed connection attempts and broken connections. */
  connectionErrors: number;
  /** Batches failed back to the pipeline (`send` rejected). */
  failedBatches: number;
  /** Times delivery stopped for `delivery_timeout_seconds` (network outputs: a stuck connection was dropped). */
  deliveryTimeouts: number;
}

export function emptyStats(): OutputStats {
  return {
    events: 0,
    bytes: 0,
    bytesWritten: 0,
    reconnects: 0,
    resentEvents: 0,
    connectionErrors: 0,
    failedBatches: 0,
    deliveryTimeouts: 0,
  };
}

/** An {@link Output} that exposes its {@link OutputStats}; every output built by `createOutputs` is one. */
export interface OutputWithStats extends Output {
  readonly stats: Readonly<OutputStats>;
}
