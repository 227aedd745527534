/**
 * What the monitoring pack (docs/metrics.md, deploy/grafana-dashboard.json, deploy/prometheus-alerts.yaml) is checked
 * against: the metrics the worker really registers, read from its registry, and the metric and label names a PromQL
 * expression uses.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as metricsModule from "../../worker/observability/metrics.ts";

export const root = resolve(fileURLToPath(import.meta.url), "../../..");

export interface WorkerMetric {
  /** The name as registered (`devo_collector_events_total`). */
  name: string;
  type: string;
  labels: string[];
  help: string;
}

/**
 * Every metric of a running worker: `createMetrics()` and the outputs' counters that `run` adds with
 * `observeOutputs` (registered without outputs here: the names and labels do not depend on them).
 */
export function workerMetrics(): Map<string, WorkerMetric> {
  const metrics = metricsModule.createMetrics();
  const module = metricsModule as Record<string, unknown>;
  if (typeof module.observeOutputs === "function") {
    (module.observeOutputs as (m: typeof metrics, outputs: []) => void)(metrics, []);
  }
  const found = new Map<string, WorkerMetric>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const m = metric as unknown as { name: string; type: string; labelNames: readonly string[]; help: string };
    found.set(m.name, { name: m.name, type: m.type, labels: [...m.labelNames], help: m.help });
  }
  return found;
}

/**
 * The series names a scrape shows, with the labels each carries: a histogram's `_bucket` (plus `le`), `_sum` and
 * `_count`; every other metric under its own name.
 */
export function seriesNames(metrics: Map<string, WorkerMetric>): Map<string, string[]> {
  const series = new Map<string, string[]>();
  for (const metric of metrics.values()) {
    if (metric.type === "histogram") {
      series.set(`${metric.name}_bucket`, [...metric.labels, "le"]);
      series.set(`${metric.name}_sum`, metric.labels);
      series.set(`${metric.name}_count`, metric.labels);
    } else if (metric.type === "summary") {
      series.set(metric.name, [...metric.labels, "quantile"]);
      series.set(`${metric.name}_sum`, metric.labels);
      series.set(`${metric.name}_count`, metric.labels);
    } else {
      series.set(metric.name, metric.labels);
    }
  }
  return series;
}

/**
 * Metric-like names written in the worker's observability sources (`"receives_total"`, `"devo_collector_…"`): each
 * must be registered, so a metric registered somewhere `workerMetrics()` does not call is noticed, not silently
 * left out of the documentation and the checks.
 */
export function metricNamesInSources(): { file: string; name: string }[] {
  const dir = join(root, "worker/observability");
  const found: { file: string; name: string }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const match of text.matchAll(/["`]((?:devo_collector_)?[a-z][a-z0-9]*(?:_[a-z0-9]+)+)["`]/g)) {
      const name = match[1];
      if (name.startsWith("devo_collector_") || /_(total|seconds|bytes|in_flight)$/.test(name)) {
        found.push({ file: relative(root, join(dir, file)), name });
      }
    }
  }
  return found;
}

/** Files of worker/ outside worker/observability/ that construct a prom-client metric themselves. */
export function metricConstructorsElsewhere(): string[] {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !path.includes(`${join("worker", "observability")}`)) {
        if (/new (Counter|Gauge|Histogram|Summary)\s*[(<]/.test(readFileSync(path, "utf8"))) {
          hits.push(relative(root, path));
        }
      }
    }
  };
  walk(join(root, "worker"));
  return hits;
}

const KEYWORDS = new Set([
  // aggregation operators and their modifiers
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
  "by",
  "without",
  // binary operator keywords and modifiers
  "and",
  "or",
  "unless",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "atan2",
  "inf",
  "nan",
]);

export interface ExpressionNames {
  /** Metric (series) names the expression selects. */
  metrics: string[];
  /** Label names it matches on, groups by or joins on (`le` of histogram_quantile included). */
  labels: string[];
}

/**
 * The metric names and label names of a PromQL expression (or a Grafana `label_values(metric, label)` query).
 * Not a full parser: strings, durations and Grafana variables (`$source`, `$__rate_interval`) are removed first,
 * label lists (`by (…)`, `on (…)`, `{…}`) are read for label names, and every remaining identifier that is not a
 * function call or a keyword is a metric name.
 */
export function namesInExpression(expression: string): ExpressionNames {
  const labels: string[] = [];
  let text = expression
    // Strings first: a regex matcher's value may hold anything.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    // Range and subquery selectors: [5m], [1h:5m], [$__rate_interval].
    .replace(/\[[^\]]*\]/g, "")
    // Grafana variables outside strings.
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?/g, "0");
  const labelValues = /^\s*label_values\s*\(\s*([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s*,\s*([a-zA-Z_]\w*)\s*\)\s*$/.exec(
    text,
  );
  if (labelValues) {
    const matchers = labelValues[2] ?? "";
    for (const m of matchers.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.push(m[1]);
    return { metrics: [labelValues[1]], labels: [...labels, labelValues[3]] };
  }
  text = text.replace(/\{([^}]*)\}/g, (_all, inner: string) => {
    for (const m of inner.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.push(m[1]);
    return " ";
  });
  text = text.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_all, _keyword: string, list: string) => {
      for (const name of list.split(",")) if (name.trim() !== "") labels.push(name.trim());
      return " ";
    },
  );
  // Numbers (1e3, 0x1F, 1.5, 32 * 1024) and durations outside selectors (offset 1h).
  text = text.replace(/\b\d[\w.]*/g, " ");
  const metrics: string[] = [];
  for (const m of text.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = m[0];
    const after = text.slice((m.index ?? 0) + name.length);
    if (/^\s*\(/.test(after)) continue; // a function call
    if (KEYWORDS.has(name.toLowerCase())) continue;
    metrics.push(name);
  }
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
}

/** Labels every scraped series has, whatever the metric (added by Prometheus from the scrape target). */
export const TARGET_LABELS = ["job", "instance"];

/**
 * What is wrong with an expression's names: metrics the worker does not export (unless listed in `external`, with
 * the labels those carry) and labels that none of the expression's metrics carries.
 */
export function expressionProblems(
  expression: string,
  series: Map<string, string[]>,
  external: Map<string, string[]> = new Map(),
): string[] {
  const problems: string[] = [];
  const { metrics, labels } = namesInExpression(expression);
  if (metrics.length === 0) problems.push(`no metric in ${JSON.stringify(expression)}`);
  const known = new Set(TARGET_LABELS);
  for (const metric of metrics) {
    const ours = series.get(metric) ?? external.get(metric);
    if (ours === undefined) problems.push(`${metric} is not a metric the worker exports`);
    else for (const label of ours) known.add(label);
  }
  for (const label of labels) {
    if (!known.has(label)) problems.push(`label '${label}' is on none of ${metrics.join(", ")}`);
  }
  return problems;
}
