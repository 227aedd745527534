import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { expressionProblems, root, seriesNames, workerMetrics } from "./monitoring-helpers.ts";

const RULES_FILE = join(root, "deploy/prometheus-alerts.yaml");

/**
 * Metrics the rules may use that the worker does not export: the dead-letter queues' depth, from CloudWatch
 * through YACE (docs/metrics.md, "Not a worker metric"), with the labels YACE gives it.
 */
const EXTERNAL = new Map([["aws_sqs_approximate_number_of_messages_visible_maximum", ["dimension_QueueName"]]]);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; interval?: string; rules: Rule[] }[];
}

const text = readFileSync(RULES_FILE, "utf8");
const rules = parse(text) as RulesFile;
const allRules = rules.groups.flatMap((group) => group.rules.map((rule) => ({ group: group.name, rule })));

/** `promtool` on the PATH (Debian: package `prometheus`), or undefined. */
function promtool(): string | undefined {
  const found = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  return found.status === 0 ? "promtool" : undefined;
}
const PROMTOOL = promtool();
const NO_PROMTOOL =
  "promtool not found: install it (Debian/Ubuntu: apt-get install --no-install-recommends prometheus) to check and unit-test the rules";

describe("deploy/prometheus-alerts.yaml", () => {
  const series = seriesNames(workerMetrics());

  test("has the shape Prometheus loads: groups → rules → alert, expr, for, labels, annotations", () => {
    assert.deepEqual(Object.keys(rules), ["groups"]);
    assert.ok(Array.isArray(rules.groups) && rules.groups.length > 0);
    const groupNames = new Set<string>();
    const alertNames = new Set<string>();
    const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
    for (const group of rules.groups) {
      assert.equal(typeof group.name, "string");
      assert.ok(!groupNames.has(group.name), `group ${group.name} twice`);
      groupNames.add(group.name);
      for (const key of Object.keys(group)) assert.ok(["name", "interval", "rules"].includes(key), `group key ${key}`);
      assert.ok(Array.isArray(group.rules) && group.rules.length > 0, `group ${group.name} has no rules`);
      for (const rule of group.rules) {
        const name = rule.alert ?? rule.record ?? "?";
        for (const key of Object.keys(rule)) {
          assert.ok(["alert", "expr", "for", "labels", "annotations"].includes(key), `${name}: unknown key ${key}`);
        }
        assert.match(rule.alert ?? "", /^[A-Z][A-Za-z0-9]+$/, `${name}: alert name`);
        assert.ok(!alertNames.has(name), `alert ${name} twice`);
        alertNames.add(name);
        assert.equal(typeof rule.expr, "string", `${name}: expr`);
        if (rule.for !== undefined) assert.match(rule.for, DURATION, `${name}: for`);
        assert.ok(["critical", "warning", "info"].includes(rule.labels?.severity ?? ""), `${name}: severity label`);
        for (const key of ["summary", "description", "runbook"]) {
          assert.equal(typeof rule.annotations?.[key], "string", `${name}: annotation ${key}`);
        }
      }
    }
  });

  test("the issue's alerts are all there", () => {
    const names = allRules.map(({ rule }) => rule.alert);
    for (const wanted of [
      "DevoCollectorReceiveFailing", // receive errors
      "DevoCollectorNoDeliveryProgress",
      "DevoCollectorDeadLetterQueueGrowing",
      "DevoCollectorVisibilityExtensionsPilingUp",
      "DevoCollectorReadAheadSaturated",
      "DevoCollectorWorkSaturated", // work in flight at the limit
      "DevoCollectorBytesInFlightAtLimit",
      "DevoCollectorNotificationLag",
    ]) {
      assert.ok(names.includes(wanted), `missing alert ${wanted}`);
    }
  });

  test("every expression names only metrics and labels the worker exports (or the declared CloudWatch one)", () => {
    const problems: string[] = [];
    for (const { rule } of allRules) {
      for (const problem of expressionProblems(rule.expr, series, EXTERNAL)) problems.push(`${rule.alert}: ${problem}`);
      // Annotations may only use labels the alert carries.
      const used = new Set(
        Object.values(rule.annotations ?? {}).flatMap((value) =>
          [...value.matchAll(/\$labels\.([A-Za-z_]\w*)/g)].map((m) => m[1]),
        ),
      );
      const grouping = [...rule.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) =>
        m[1].split(",").map((s) => s.trim()),
      );
      for (const label of used) {
        if (!grouping.includes(label))
          problems.push(`${rule.alert}: annotation uses $labels.${label}, not kept by 'by (…)'`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test("the external metric is used only by the dead-letter-queue group", () => {
    for (const { group, rule } of allRules) {
      const usesExternal = [...EXTERNAL.keys()].some((name) => rule.expr.includes(name));
      assert.equal(usesExternal, group === "aws-devo-collector-dead-letter-queues", `${rule.alert} in ${group}`);
    }
  });

  test("runbook links point at sections that exist", () => {
    for (const { rule } of allRules) {
      const [file, anchor] = (rule.annotations?.runbook ?? "").split("#");
      const doc = readFileSync(join(root, file), "utf8");
      const anchors = [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]
          .toLowerCase()
          .replace(/[^\w\- ]/g, "")
          .replace(/ /g, "-"),
      );
      assert.ok(anchors.includes(anchor), `${rule.alert}: ${file}#${anchor} is not a heading (${anchors.join(", ")})`);
    }
  });

  test("promtool check rules accepts the file", { skip: PROMTOOL === undefined ? NO_PROMTOOL : false }, () => {
    const run = spawnSync(PROMTOOL as string, ["check", "rules", RULES_FILE], { encoding: "utf8" });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    assert.match(run.stdout, new RegExp(`SUCCESS: ${allRules.length} rules found`));
  });

  describe("each alert fires when it should and stays quiet otherwise (promtool test rules)", () => {
    const dir = mkdtempSync(join(tmpdir(), "alerts-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const w = 'job="collector",instance="w1:9464"';
    const src = `${w},source="sqs_collector/aws_sqs_cloudtrail/eu-west-1"`;
    const srcLabels = { job: "collector", instance: "w1:9464", source: "sqs_collector/aws_sqs_cloudtrail/eu-west-1" };
    const workerLabels = { job: "collector", instance: "w1:9464" };
    const outLabels = { ...workerLabels, output: "devo_1" };
    const out = `${w},output="devo_1"`;

    /** One scenario: series (1-minute samples), then at `at` exactly `fires` of `alert` (none when empty). */
    const cases: {
      name: string;
      alert: string;
      series: Record<string, string>;
      at: string;
      fires: Record<string, string>[];
    }[] = [
      {
        name: "every receive fails, none succeeds",
        alert: "DevoCollectorReceiveFailing",
        series: {
          [`devo_collector_receive_errors_total{${src}}`]: "0+1x30",
          [`devo_collector_receives_total{${src}}`]: "50x30",
        },
        at: "20m",
        fires: [{ ...srcLabels, severity: "critical" }],
      },
      {
        name: "a failing receive among succeeding ones is not 'failing'",
        alert: "DevoCollectorReceiveFailing",
        series: {
          [`devo_collector_receive_errors_total{${src}}`]: "0+1x30",
          [`devo_collector_receives_total{${src}}`]: "0+3x30",
        },
        at: "20m",
        fires: [],
      },
      {
        name: "a third of receives fail",
        alert: "DevoCollectorReceiveErrors",
        series: {
          [`devo_collector_receive_errors_total{${src}}`]: "0+1x60",
          [`devo_collector_receives_total{${src}}`]: "0+3x60",
        },
        at: "40m",
        fires: [{ ...srcLabels, severity: "warning" }],
      },
      {
        name: "receives succeed",
        alert: "DevoCollectorReceiveErrors",
        series: { [`devo_collector_receives_total{${src}}`]: "0+3x60" },
        at: "40m",
        fires: [],
      },
      {
        name: "work in flight, nothing deleted or acknowledged",
        alert: "DevoCollectorNoDeliveryProgress",
        series: {
          [`devo_collector_work_in_flight{${w}}`]: "2x40",
          [`devo_collector_messages_deleted_total{${src}}`]: "10x40",
          [`devo_collector_output_events_total{${out}}`]: "500x40",
        },
        at: "30m",
        fires: [{ ...workerLabels, severity: "critical" }],
      },
      {
        name: "work in flight and outputs acknowledging (a long object)",
        alert: "DevoCollectorNoDeliveryProgress",
        series: {
          [`devo_collector_work_in_flight{${w}}`]: "2x40",
          [`devo_collector_messages_deleted_total{${src}}`]: "10x40",
          [`devo_collector_output_events_total{${out}}`]: "0+100x40",
        },
        at: "30m",
        fires: [],
      },
      {
        name: "an idle worker",
        alert: "DevoCollectorNoDeliveryProgress",
        series: { [`devo_collector_work_in_flight{${w}}`]: "0x40" },
        at: "30m",
        fires: [],
      },
      {
        name: "a message fails every minute",
        alert: "DevoCollectorMessagesFailing",
        series: { [`devo_collector_messages_returned_total{${src},reason="failed"}`]: "0+1x60" },
        at: "50m",
        fires: [{ ...srcLabels, severity: "warning" }],
      },
      {
        name: "messages handed back at shutdown are not failures",
        alert: "DevoCollectorMessagesFailing",
        series: { [`devo_collector_messages_returned_total{${src},reason="shutdown"}`]: "0+50x60" },
        at: "50m",
        fires: [],
      },
      {
        name: "an unrecognised message",
        alert: "DevoCollectorUnrecognisedMessages",
        series: { [`devo_collector_messages_unrecognised_total{${src}}`]: "0x5 1x10" },
        at: "10m",
        fires: [{ ...srcLabels, severity: "warning" }],
      },
      {
        name: "extensions with no deletes",
        alert: "DevoCollectorVisibilityExtensionsPilingUp",
        series: {
          [`devo_collector_visibility_extensions_total{${src}}`]: "0+2x90",
          [`devo_collector_messages_deleted_total{${src}}`]: "7x90",
        },
        at: "60m",
        fires: [{ ...srcLabels, severity: "warning" }],
      },
      {
        name: "extensions before any message was ever deleted (no deleted series)",
        alert: "DevoCollectorVisibilityExtensionsPilingUp",
        series: { [`devo_collector_visibility_extensions_total{${src}}`]: "0+2x90" },
        at: "60m",
        fires: [{ ...srcLabels, severity: "warning" }],
      },
      {
        name: "one extension per deleted message",
        alert: "DevoCollectorVisibilityExtensionsPilingUp",
        series: {
          [`devo_collector_visibility_extensions_total{${src}}`]: "0+1x90",
          [`devo_collector_messages_deleted_total{${src}}`]: "0+1x90",
        },
        at: "60m",
        fires: [],
      },
      {
        name: "read-ahead pinned at its budget",
        alert: "DevoCollectorReadAheadSaturated",
        series: { [`devo_collector_read_ahead_bytes{${w}}`]: "33000000x60" },
        at: "40m",
        fires: [{ ...workerLabels, severity: "info" }],
      },
      {
        name: "read-ahead moving",
        alert: "DevoCollectorReadAheadSaturated",
        series: { [`devo_collector_read_ahead_bytes{${w}}`]: "33000000 1000000 33000000 1000000x57" },
        at: "40m",
        fires: [],
      },
      {
        name: "every slot busy for an hour",
        alert: "DevoCollectorWorkSaturated",
        series: { [`devo_collector_work_in_flight{${w}}`]: "4x90" },
        at: "80m",
        fires: [{ ...workerLabels, severity: "info" }],
      },
      {
        name: "bytes in flight at max_bytes_in_flight",
        alert: "DevoCollectorBytesInFlightAtLimit",
        series: { [`devo_collector_event_bytes_in_flight{${w}}`]: "62914560x60" },
        at: "40m",
        fires: [{ ...workerLabels, severity: "warning" }],
      },
      {
        name: "notifications delivered about 20 minutes late",
        alert: "DevoCollectorNotificationLag",
        series: lagSeries(src, "0x60", "0+10x60"),
        at: "50m",
        fires: [{ ...srcLabels, severity: "warning" }],
      },
      {
        name: "notifications delivered within a minute",
        alert: "DevoCollectorNotificationLag",
        series: lagSeries(src, "0+10x60", "0+10x60"),
        at: "50m",
        fires: [],
      },
      {
        name: "notifications delivered over an hour late",
        alert: "DevoCollectorNotificationLagCritical",
        series: lagSeries(src, "0x60", "0x60"),
        at: "40m",
        fires: [{ ...srcLabels, severity: "critical" }],
      },
      {
        name: "an output that keeps failing to connect",
        alert: "DevoCollectorOutputConnectionErrors",
        series: { [`devo_collector_output_connection_errors_total{${out}}`]: "0+1x30" },
        at: "20m",
        fires: [{ ...outLabels, severity: "warning" }],
      },
      {
        name: "an output failing batches back",
        alert: "DevoCollectorOutputFailing",
        series: {
          [`devo_collector_output_failed_batches_total{${out}}`]: "0+1x30",
          [`devo_collector_output_delivery_timeouts_total{${out}}`]: "0x30",
        },
        at: "20m",
        fires: [{ ...outLabels, severity: "warning" }],
      },
      {
        name: "a dead-letter queue with messages (and a busy source queue, which is not one)",
        alert: "DevoCollectorDeadLetterQueueNotEmpty",
        series: {
          'aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="acme-devo-cloudtrail-dlq"}':
            "3x30",
          'aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="acme-devo-cloudtrail"}':
            "500x30",
        },
        at: "20m",
        fires: [{ dimension_QueueName: "acme-devo-cloudtrail-dlq", severity: "warning" }],
      },
      {
        name: "a dead-letter queue growing for over an hour",
        alert: "DevoCollectorDeadLetterQueueGrowing",
        series: {
          'aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="acme-devo-cloudtrail-dlq"}':
            "0+1x150",
        },
        at: "120m",
        fires: [{ dimension_QueueName: "acme-devo-cloudtrail-dlq", severity: "critical" }],
      },
      {
        name: "a dead-letter queue that stopped growing",
        alert: "DevoCollectorDeadLetterQueueGrowing",
        series: {
          'aws_sqs_approximate_number_of_messages_visible_maximum{dimension_QueueName="acme-devo-cloudtrail-dlq"}':
            "0+1x20 20x130",
        },
        at: "150m",
        fires: [],
      },
    ];

    test("every alert has a firing case", () => {
      const covered = new Set(cases.filter((c) => c.fires.length > 0).map((c) => c.alert));
      const uncovered = allRules.map(({ rule }) => rule.alert).filter((name) => !covered.has(name as string));
      assert.deepEqual(uncovered, []);
    });

    for (const scenario of cases) {
      test(`${scenario.alert}: ${scenario.name}`, { skip: PROMTOOL === undefined ? NO_PROMTOOL : false }, () => {
        // Annotations are compared verbatim by promtool: test a copy of the rules without them (their templates
        // are checked by `promtool check rules` above).
        const stripped = {
          groups: rules.groups.map((group) => ({
            ...group,
            rules: group.rules.map(({ annotations: _annotations, ...rule }) => rule),
          })),
        };
        const rulesPath = join(dir, "rules.yaml");
        writeFileSync(rulesPath, stringify(stripped));
        const testPath = join(dir, "test.yaml");
        writeFileSync(
          testPath,
          stringify({
            rule_files: [rulesPath],
            evaluation_interval: "1m",
            tests: [
              {
                interval: "1m",
                input_series: Object.entries(scenario.series).map(([name, values]) => ({ series: name, values })),
                alert_rule_test: [
                  {
                    eval_time: scenario.at,
                    alertname: scenario.alert,
                    exp_alerts: scenario.fires.map((labels) => ({ exp_labels: labels })),
                  },
                ],
              },
            ],
          }),
        );
        const run = spawnSync(PROMTOOL as string, ["test", "rules", testPath], { encoding: "utf8" });
        assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
      });
    }
  });
});

/** The lag histogram's buckets around the thresholds: counts at or below 60 s, and at or below 3600 s. */
function lagSeries(labels: string, upTo60: string, upTo3600: string): Record<string, string> {
  const bucket = (le: string) => `devo_collector_notification_lag_seconds_bucket{${labels},le="${le}"}`;
  return {
    [bucket("60")]: upTo60,
    [bucket("300")]: upTo60,
    [bucket("900")]: upTo60,
    [bucket("3600")]: upTo3600,
    [bucket("+Inf")]: "0+10x60",
  };
}
