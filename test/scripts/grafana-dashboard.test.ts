import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { expressionProblems, namesInExpression, root, seriesNames, workerMetrics } from "./monitoring-helpers.ts";

/** The dead-letter queues' depth, from CloudWatch through YACE: the one metric the worker does not export. */
/** Grafana's reference to the dashboard's `datasource` variable. */
const DATASOURCE_UID = ["$", "{datasource}"].join("");

const EXTERNAL = new Map([["aws_sqs_approximate_number_of_messages_visible_maximum", ["dimension_QueueName"]]]);

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}

const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana-dashboard.json"), "utf8")) as {
  title?: string;
  uid?: string;
  schemaVersion?: number;
  panels?: Panel[];
  templating?: { list?: Variable[] };
};
const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const dataPanels = panels.filter((panel) => panel.type !== "row");
const variables = dashboard.templating?.list ?? [];

describe("deploy/grafana-dashboard.json", () => {
  const series = seriesNames(workerMetrics());

  test("is a dashboard Grafana imports: title, uid, schemaVersion, panels with unique ids and a grid position", () => {
    assert.equal(typeof dashboard.title, "string");
    assert.match(dashboard.uid ?? "", /^[a-zA-Z0-9_-]{1,40}$/);
    assert.ok((dashboard.schemaVersion ?? 0) >= 30);
    assert.ok(dataPanels.length >= 10, `${dataPanels.length} panels`);
    const ids = panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
    for (const panel of panels) {
      const grid = panel.gridPos;
      assert.ok(grid !== undefined, `${panel.title}: gridPos`);
      assert.ok(grid.x >= 0 && grid.w > 0 && grid.x + grid.w <= 24, `${panel.title}: fits the 24-column grid`);
    }
  });

  test("every panel queries the chosen Prometheus data source, with unique refIds and a description", () => {
    const names = variables.map((v) => v.name);
    assert.ok(names.includes("datasource"));
    for (const panel of dataPanels) {
      assert.deepEqual(panel.datasource, { type: "prometheus", uid: DATASOURCE_UID }, `${panel.title}: datasource`);
      assert.ok((panel.description ?? "").length > 20, `${panel.title}: says what it shows`);
      const targets = panel.targets ?? [];
      assert.ok(targets.length > 0, `${panel.title}: no query`);
      const refIds = targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: refIds`);
      for (const target of targets) assert.equal(typeof target.expr, "string", `${panel.title}: expr`);
    }
  });

  test("every query names only metrics and labels the worker exports (or the declared CloudWatch one)", () => {
    const problems: string[] = [];
    for (const panel of dataPanels) {
      for (const target of panel.targets ?? []) {
        for (const problem of expressionProblems(target.expr ?? "", series, EXTERNAL)) {
          problems.push(`${panel.title} (${target.refId}): ${problem}`);
        }
        const external = namesInExpression(target.expr ?? "").metrics.filter((name) => EXTERNAL.has(name));
        if (external.length > 0 && !/dead-letter/i.test(panel.title ?? "")) {
          problems.push(`${panel.title}: uses ${external.join(", ")} outside a dead-letter-queue panel`);
        }
      }
    }
    for (const variable of variables.filter((v) => v.type === "query")) {
      const query = typeof variable.query === "string" ? variable.query : (variable.query?.query ?? "");
      for (const problem of expressionProblems(query, series, EXTERNAL)) problems.push(`$${variable.name}: ${problem}`);
    }
    assert.deepEqual(problems, []);
  });

  test("variables used in queries are defined", () => {
    const defined = new Set(variables.map((v) => v.name));
    const builtIn = new Set(["__rate_interval", "__interval", "__range"]);
    for (const panel of dataPanels) {
      for (const target of panel.targets ?? []) {
        for (const [, name] of (target.expr ?? "").matchAll(/\$\{?(\w+)/g)) {
          assert.ok(defined.has(name) || builtIn.has(name), `${panel.title}: $${name} is not a dashboard variable`);
        }
      }
    }
  });

  test("shows what the issue asks for", () => {
    const exprs = dataPanels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr ?? ""));
    for (const metric of [
      "devo_collector_receive_errors_total", // receive errors
      "devo_collector_messages_deleted_total", // delivery progress
      "devo_collector_output_events_total",
      "aws_sqs_approximate_number_of_messages_visible_maximum", // DLQ
      "devo_collector_visibility_extensions_total",
      "devo_collector_read_ahead_bytes",
      "devo_collector_work_in_flight",
      "devo_collector_event_bytes_in_flight",
      "devo_collector_notification_lag_seconds_bucket",
    ]) {
      assert.ok(
        exprs.some((expr) => namesInExpression(expr).metrics.includes(metric)),
        `no panel shows ${metric}`,
      );
    }
  });
});
