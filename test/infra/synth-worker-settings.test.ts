import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertIssue, issuesOf } from "./helpers/config-issues.ts";
import { ACCOUNT, ECS_SCALED_QUEUES, ecsWorkerScenario, REGION, type ScenarioConfig } from "./helpers/scenarios.ts";
import { synthesize } from "./helpers/synth.ts";

const withWorker = (worker: ScenarioConfig): ScenarioConfig => {
  const scenario = ecsWorkerScenario();
  scenario.worker = { ...scenario.worker, ...worker };
  return scenario;
};
const recoveryWindows = (worker: ScenarioConfig) =>
  synthesize(withWorker(worker))
    .ofType("aws_secretsmanager_secret")
    .map((s) => [s.config.name, s.config.recovery_window_in_days])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));

describe("ECS worker: Secrets Manager's recovery window (issue 19, point 7)", () => {
  it("keeps a deleted secret 7 days by default: recoverable, and a recreate waits a week, not a month", () => {
    assert.deepEqual(recoveryWindows({ config_store: "secrets_manager" }), [
      ["acme/worker/config", 7],
      ["acme/worker/devo-chain-crt", 7],
      ["acme/worker/devo-domain-crt", 7],
      ["acme/worker/devo-domain-key", 7],
    ]);
  });

  it("deletes at once with 0, so destroy-and-recreate works under the same names", () => {
    for (const [name, days] of recoveryWindows({ secret_recovery_window_days: 0 })) assert.equal(days, 0, name);
  });

  it("refuses what Secrets Manager refuses (1-6, over 30), naming the key", () => {
    for (const days of [3, 31]) {
      assertIssue(
        issuesOf(withWorker({ secret_recovery_window_days: days })),
        "worker.secret_recovery_window_days",
        /0 \(delete at once\) or 7-30/,
      );
    }
  });
});

describe("ECS worker: what the scaling metric needs (issue 19, point 6)", () => {
  const existingCluster = {
    cluster_arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/platform`,
    security_group_ids: ["sg-0123456789abcdef0"],
    vpc_id: undefined,
  };
  const scalingPolicy = (worker: ScenarioConfig) =>
    synthesize(withWorker(worker)).one(
      "aws_appautoscaling_policy",
      (p) => p.config.policy_type === "TargetTrackingScaling",
    ).config.target_tracking_scaling_policy_configuration;
  const usesContainerInsights = (worker: ScenarioConfig) =>
    JSON.stringify(synthesize(withWorker(worker)).json).includes("ECS/ContainerInsights");

  it("refuses backlog-per-task scaling on an existing cluster unless Container Insights is confirmed", () => {
    assertIssue(issuesOf(withWorker(existingCluster)), "worker.container_insights", /RunningTaskCount/);
    assert.equal(usesContainerInsights({ ...existingCluster, container_insights: true }), true);
  });

  it("scales on the service's own CPUUtilization (AWS/ECS, free) when asked, on any cluster", () => {
    const scaling = { queues: [...ECS_SCALED_QUEUES], metric: "cpu", cpu_target_percent: 55 };
    const policy = scalingPolicy({ ...existingCluster, scaling });
    assert.deepEqual(policy.predefined_metric_specification, {
      predefined_metric_type: "ECSServiceAverageCPUUtilization",
    });
    assert.equal(policy.target_value, 55);
    assert.equal(policy.customized_metric_specification, undefined);
    assert.equal(usesContainerInsights({ ...existingCluster, scaling }), false);
  });

  it("creates its own cluster with Container Insights, or without it when the metric does not need it", () => {
    const setting = (worker: ScenarioConfig) => synthesize(withWorker(worker)).one("aws_ecs_cluster").config.setting;
    assert.deepEqual(setting({}), [{ name: "containerInsights", value: "enabled" }]);
    assert.deepEqual(
      setting({ container_insights: false, scaling: { queues: [...ECS_SCALED_QUEUES], metric: "cpu" } }),
      [{ name: "containerInsights", value: "disabled" }],
    );
    assertIssue(issuesOf(withWorker({ container_insights: false })), "worker.container_insights", /metric: cpu/);
  });
});
