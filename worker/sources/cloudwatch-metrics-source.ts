import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  ListMetricsCommand,
  type ListMetricsCommandOutput,
  type Metric,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import type { DevoEvent } from "../pipeline/event.ts";
import * as z from "../runtime/zod.ts";
import type { MetricsOptions } from "../services/api-service-options.ts";
import { ApiPolling, type PollRound } from "./api-polling.ts";
import { type RetryContext, withRetries } from "./api-retry.ts";
import { type ApiSourceDeps, type ApiSourceSettings, sdkClientConfig } from "./api-source-settings.ts";
import type { Source, WorkItem, WorkOptions } from "./work-item.ts";

export const METRICS_TAG = "cloud.aws.cloudwatch.metrics";
/** GetMetricData: "A single GetMetricData call can include as many as 500 MetricDataQuery structures." */
const MAX_QUERIES = 500;
/**
 * Periods per window: a batch then holds at most 500 × 60 = 30,000 datapoints, one GetMetricData page (the
 * API pages at 100,800), so a batch is fetched whole before it is handed on, and memory stays bounded.
 */
const PERIODS_PER_WINDOW = 60;

/**
 * - `end`: every datapoint before `end` (a period boundary) is delivered, for every metric.
 * - `window` (a window is being read): of [`end`, `window.end`), the metrics whose key sorts at or before
 *   `window.after` are delivered. Metrics are read in key order, so the key says where to go on.
 */
const cursorSchema = z.strictObject({
  end: z.iso.datetime(),
  window: z.optional(z.strictObject({ end: z.iso.datetime(), after: z.string() })),
});
type Cursor = z.output<typeof cursorSchema>;
export const METRICS_CURSOR_KIND = "cloudwatch-metrics/1";

interface ListedMetric {
  key: string;
  metric: Metric;
}

/** Stable identity of a metric: namespace, name and dimensions (sorted, as ListMetrics does not promise an order). */
export function metricKey(metric: Metric): string {
  const dimensions = (metric.Dimensions ?? [])
    .map((d) => [d.Name ?? "", d.Value ?? ""])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify([metric.Namespace ?? "", metric.MetricName ?? "", dimensions]);
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `metrics-all`: CloudWatch ListMetrics (all namespaces, or `namespaces`) and GetMetricData in batches of up to
 * 500 queries (one per metric and statistic), over windows aligned to `period_in_seconds`, from the saved end
 * time onward. One event per datapoint, tagged `cloud.aws.cloudwatch.metrics`, its message a JSON object:
 * `{"namespace","metric_name","dimensions":{name:value},"stat","period","timestamp","value","region"}`.
 *
 * Windows end `delay_seconds` behind now, since CloudWatch keeps filling the latest periods for a few minutes.
 */
export class CloudWatchMetricsSource implements Source {
  readonly id: string;
  readonly concurrency = 1;
  readonly #settings: ApiSourceSettings<MetricsOptions>;
  readonly #client: CloudWatchClient;
  readonly #polling: ApiPolling<Cursor>;
  readonly #periodMs: number;

  constructor(settings: ApiSourceSettings<MetricsOptions>, deps: ApiSourceDeps) {
    this.#settings = settings;
    this.#polling = new ApiPolling(settings, deps, {
      kind: METRICS_CURSOR_KIND,
      schema: cursorSchema,
      // Rounded down: a period that began before start_time is read whole rather than cut.
      initial: (startMs) => ({ end: iso(this.#align(startMs)) }),
      resumedAt: (saved) => ({ end: saved.end }),
      poll: (round) => this.#poll(round),
    });
    this.id = this.#polling.id;
    this.#periodMs = settings.options.period_in_seconds * 1000;
    this.#client = new CloudWatchClient(sdkClientConfig(settings));
  }

  work(signal: AbortSignal, options: WorkOptions): AsyncGenerator<WorkItem> {
    return this.#polling.run(signal, options);
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  #align(ms: number): number {
    return Math.floor(ms / this.#periodMs) * this.#periodMs;
  }

  /** Reads window after window until the cursor is `delay_seconds` behind now. */
  async *#poll(round: PollRound<Cursor>): AsyncGenerator<WorkItem, boolean> {
    const target = this.#align(round.upTo);
    let cursor = this.#polling.cursor;
    if (cursor.window === undefined && Date.parse(cursor.end) >= target) return true;
    // One listing per poll: it covers every metric with data in the last two weeks, which includes every window
    // a poll reads (they all end before the listing is made).
    const metrics = await this.#listMetrics(round.retry);
    while (!round.retry.signal.aborted && (cursor.window !== undefined || Date.parse(cursor.end) < target)) {
      if (!(yield* this.#readWindow(cursor, target, metrics, round))) return false;
      cursor = this.#polling.cursor;
    }
    return true;
  }

  async #listMetrics(retry: RetryContext): Promise<ListedMetric[]> {
    const namespaces: (string | undefined)[] = this.#settings.options.namespaces ?? [undefined];
    const byKey = new Map<string, ListedMetric>();
    for (const namespace of namespaces) {
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await withRetries<ListMetricsCommandOutput>(
          `ListMetrics ${namespace ?? "(all namespaces)"}`,
          () =>
            this.#client.send(
              new ListMetricsCommand({
                ...(namespace !== undefined ? { Namespace: namespace } : {}),
                ...(token !== undefined ? { NextToken: token } : {}),
              }),
              { abortSignal: retry.signal },
            ),
          retry,
        );
        for (const metric of page.Metrics ?? []) {
          if (metric.MetricName === undefined || metric.Namespace === undefined) continue;
          const key = metricKey(metric);
          byKey.set(key, { key, metric });
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken !== undefined);
    }
    return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async *#readWindow(
    cursor: Cursor,
    target: number,
    metrics: ListedMetric[],
    round: PollRound<Cursor>,
  ): AsyncGenerator<WorkItem, boolean> {
    const from = Date.parse(cursor.end);
    const end = cursor.window
      ? Date.parse(cursor.window.end)
      : Math.min(from + PERIODS_PER_WINDOW * this.#periodMs, target);
    const after = cursor.window?.after;
    const todo = after === undefined ? metrics : metrics.filter((m) => m.key > after);
    const stats = this.#settings.options.statistics;
    const perBatch = Math.max(1, Math.floor(MAX_QUERIES / stats.length));
    if (todo.length === 0) {
      await this.#polling.commit({ end: iso(end) });
      return true;
    }
    for (let i = 0; i < todo.length; i += perBatch) {
      const batch = todo.slice(i, i + perBatch);
      const last = i + perBatch >= todo.length;
      const events = await this.#fetchBatch(batch, from, end, round.retry);
      const next: Cursor = last
        ? { end: iso(end) }
        : { end: cursor.end, window: { end: iso(end), after: batch.at(-1)!.key } };
      const description = `GetMetricData ${this.#settings.region} ${iso(from)}..${iso(end)} metrics ${i + 1}-${i + batch.length} of ${todo.length}`;
      if (!(yield* round.deliver(description, events, next))) return false;
    }
    return true;
  }

  async #fetchBatch(batch: ListedMetric[], from: number, end: number, retry: RetryContext): Promise<DevoEvent[]> {
    const stats = this.#settings.options.statistics;
    const period = this.#settings.options.period_in_seconds;
    const queries: MetricDataQuery[] = [];
    const meaning = new Map<string, { metric: Metric; stat: string }>();
    batch.forEach(({ metric }, m) => {
      stats.forEach((stat, s) => {
        const id = `m${m}_${s}`;
        meaning.set(id, { metric, stat });
        queries.push({ Id: id, MetricStat: { Metric: metric, Period: period, Stat: stat }, ReturnData: true });
      });
    });
    const events: DevoEvent[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await withRetries<GetMetricDataCommandOutput>(
        "GetMetricData",
        async () => {
          const output = await this.#client.send(
            new GetMetricDataCommand({
              MetricDataQueries: queries,
              StartTime: new Date(from),
              EndTime: new Date(end),
              ScanBy: "TimestampAscending",
              ...(token !== undefined ? { NextToken: token } : {}),
            }),
            { abortSignal: retry.signal },
          );
          // A query that failed inside a successful call would silently lose its datapoints: the call is
          // retried instead, and the error names the metric.
          for (const result of output.MetricDataResults ?? []) {
            if (result.StatusCode !== "Forbidden" && result.StatusCode !== "InternalError") continue;
            const query = result.Id !== undefined ? meaning.get(result.Id) : undefined;
            const detail = (result.Messages ?? []).map((m) => `${m.Code}: ${m.Value}`).join("; ");
            throw new Error(
              `GetMetricData ${result.StatusCode} for ${query?.metric.Namespace} ${query?.metric.MetricName} ${query?.stat}${detail ? ` (${detail})` : ""}`,
            );
          }
          return output;
        },
        retry,
      );
      for (const result of page.MetricDataResults ?? []) {
        const query = result.Id !== undefined ? meaning.get(result.Id) : undefined;
        if (query === undefined) continue;
        events.push(...this.#datapoints(query.metric, query.stat, result.Timestamps ?? [], result.Values ?? []));
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken !== undefined);
    return events;
  }

  #datapoints(metric: Metric, stat: string, timestamps: Date[], values: number[]): DevoEvent[] {
    const dimensions: Record<string, string> = {};
    for (const d of metric.Dimensions ?? []) if (d.Name !== undefined) dimensions[d.Name] = d.Value ?? "";
    const out: DevoEvent[] = [];
    for (let i = 0; i < timestamps.length && i < values.length; i++) {
      const time = new Date(timestamps[i]);
      const message = JSON.stringify({
        namespace: metric.Namespace,
        metric_name: metric.MetricName,
        dimensions,
        stat,
        period: this.#settings.options.period_in_seconds,
        timestamp: time.toISOString(),
        value: values[i],
        region: this.#settings.region,
      });
      out.push({ tag: METRICS_TAG, message, time });
    }
    return out;
  }
}
