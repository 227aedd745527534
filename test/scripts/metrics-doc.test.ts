import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  metricConstructorsElsewhere,
  metricNamesInSources,
  root,
  type WorkerMetric,
  workerMetrics,
} from "./monitoring-helpers.ts";

/**
 * docs/metrics.md against the worker's registry: one `### \`name\`` section per metric, its first line
 * `<type> · labels: \`a\`, \`b\`` (or `· no labels`), then what it means and a Healthy and an Unhealthy line.
 */
interface DocumentedMetric {
  name: string;
  type: string;
  labels: string[];
  body: string;
}

function documentedMetrics(text: string): DocumentedMetric[] {
  const sections = text.split(/^### /m).slice(1);
  const found: DocumentedMetric[] = [];
  for (const section of sections) {
    const heading = /^`([a-zA-Z_:][\w:]*)`\s*$/m.exec(section.split("\n")[0]);
    if (heading === null) continue;
    const firstLine = section
      .split("\n")
      .slice(1)
      .find((line) => line.trim() !== "");
    const signature = /^(counter|gauge|histogram|summary) · (?:no labels|labels: (.+))$/.exec(firstLine?.trim() ?? "");
    found.push({
      name: heading[1],
      type: signature?.[1] ?? `unreadable: ${JSON.stringify(firstLine)}`,
      labels: signature?.[2] ? [...signature[2].matchAll(/`([^`]+)`/g)].map((m) => m[1]) : [],
      body: section,
    });
  }
  return found;
}

/** What to paste into docs/metrics.md for a metric it lacks. */
function skeleton(metric: WorkerMetric): string {
  const labels =
    metric.labels.length === 0 ? "no labels" : `labels: ${metric.labels.map((l) => `\`${l}\``).join(", ")}`;
  return `### \`${metric.name}\`\n\n${metric.type} · ${labels}\n\n${metric.help}.\n\n- Healthy: …\n- Unhealthy: …\n`;
}

describe("docs/metrics.md", () => {
  const registered = workerMetrics();
  const documented = documentedMetrics(readFileSync(join(root, "docs/metrics.md"), "utf8"));
  const byName = new Map(documented.map((m) => [m.name, m]));

  test("the worker registers metrics (the registry is read)", () => {
    assert.ok(registered.size >= 10, `only ${registered.size} metrics found`);
    assert.ok(registered.has("devo_collector_messages_deleted_total"));
  });

  test("every metric the worker exports has its section", () => {
    const missing = [...registered.values()].filter((metric) => !byName.has(metric.name));
    assert.equal(
      missing.length,
      0,
      `docs/metrics.md lacks ${missing.map((m) => m.name).join(", ")}; add (and fill in):\n\n${missing.map(skeleton).join("\n")}`,
    );
  });

  test("every section names a metric the worker exports, once", () => {
    const unknown = documented.filter((metric) => !registered.has(metric.name)).map((m) => m.name);
    assert.deepEqual(
      unknown,
      [],
      `docs/metrics.md documents metrics the worker does not export: ${unknown.join(", ")}`,
    );
    const names = documented.map((m) => m.name);
    assert.deepEqual(
      names.filter((name, i) => names.indexOf(name) !== i),
      [],
      "a metric documented twice",
    );
  });

  test("each section states the type and labels the worker registers", () => {
    for (const doc of documented) {
      const metric = registered.get(doc.name);
      if (metric === undefined) continue;
      assert.equal(doc.type, metric.type, `${doc.name}: documented as ${doc.type}, registered as ${metric.type}`);
      assert.deepEqual(
        [...doc.labels].sort(),
        [...metric.labels].sort(),
        `${doc.name}: documented labels ${doc.labels.join(", ") || "(none)"}, registered ${metric.labels.join(", ") || "(none)"}`,
      );
    }
  });

  test("each section says what healthy and unhealthy values look like", () => {
    for (const doc of documented) {
      assert.match(doc.body, /^- Healthy: \S/m, `${doc.name}: no "- Healthy:" line`);
      assert.match(doc.body, /^- Unhealthy: \S/m, `${doc.name}: no "- Unhealthy:" line`);
    }
  });

  test("metric names written in worker/observability/ are all registered (nothing registered out of sight)", () => {
    const unregistered = metricNamesInSources().filter(
      ({ name }) => !registered.has(name) && !registered.has(`devo_collector_${name}`),
    );
    assert.deepEqual(
      unregistered,
      [],
      "names that look like metrics but are not in the registry workerMetrics() builds: if a new function registers " +
        "them, call it in test/scripts/monitoring-helpers.ts",
    );
    assert.deepEqual(
      metricConstructorsElsewhere(),
      [],
      "prom-client metrics constructed outside worker/observability/: register them in metrics.ts",
    );
  });
});
