import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { TerraformStack } from "cdktf";
import { stringify } from "yaml";
import { parsePipelineConfig } from "../../infra/config.ts";
import { WorkerAutoscaling } from "../../infra/constructs/worker-autoscaling.ts";
import { WORKER_SECRET_ENV } from "../../infra/constructs/worker-container.ts";
import { runRunCommand } from "../../worker/cli/run-command.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import {
  ALARM_MAX_RETRIEVED_METRICS,
  assertJsonAttributesAreExpressions,
  assertMetricMathWithinAlarmLimits,
} from "./helpers/expectations.ts";
import { evaluate, type HclBlock, parseHclFile } from "./helpers/hcl.ts";
import {
  ACCOUNT,
  directScenario,
  ECS_SCALED_QUEUES,
  ecsWorkerKmsScenario,
  ecsWorkerScenario,
  REGION,
  WORKER_IMAGE,
  WORKER_SUBNETS,
  WORKER_VPC,
} from "./helpers/scenarios.ts";
import {
  CREATED_KEY_ID,
  type Json,
  SECRET_SUFFIX,
  Synth,
  synthesize,
  testingApp,
  WORKER_SECURITY_GROUP_ID,
} from "./helpers/synth.ts";

const WORKER_TYPES = [
  "aws_ecs_cluster",
  "aws_ecs_service",
  "aws_ecs_task_definition",
  "aws_cloudwatch_log_group",
  "aws_security_group",
  "aws_vpc_security_group_egress_rule",
  "aws_ssm_parameter",
  "aws_secretsmanager_secret",
  "aws_appautoscaling_target",
  "aws_appautoscaling_policy",
  "aws_cloudwatch_metric_alarm",
  "aws_iam_role_policy",
];
const WORKER_OUTPUTS = [
  "worker_cluster_arn",
  "worker_cluster_name",
  "worker_service_name",
  "worker_task_role_arn",
  "worker_execution_role_arn",
  "worker_log_group",
  "worker_config_location",
  "worker_certificate_secrets",
];
/** The worker's own alarm (metric math over the queues); the pipeline's queue alarms watch one metric each. */
const isWorkerAlarm = (r: { config: Record<string, Json> }) => r.config.metric_query !== undefined;
const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${SECRET_SUFFIX}`;
const parameterArn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/acme/worker/config`;

const ecs = synthesize(ecsWorkerScenario());
const container = () => {
  const definitions = ecs.document(ecs.one("aws_ecs_task_definition"), "container_definitions");
  assert.equal(definitions.length, 1);
  return definitions[0];
};

describe("ECS worker: task definition", () => {
  const task = ecs.one("aws_ecs_task_definition");

  it("is a Fargate awsvpc task of the default size, running as the two roles it creates", () => {
    assert.equal(task.config.family, "acme-worker");
    assert.deepEqual(task.config.requires_compatibilities, ["FARGATE"]);
    assert.equal(task.config.network_mode, "awsvpc");
    assert.equal(task.config.cpu, "512");
    assert.equal(task.config.memory, "1024");
    assert.deepEqual(task.config.runtime_platform, { operating_system_family: "LINUX", cpu_architecture: "X86_64" });
    assert.equal(ecs.value(task.config.task_role_arn), `arn:aws:iam::${ACCOUNT}:role/acme-worker-task`);
    assert.equal(ecs.value(task.config.execution_role_arn), `arn:aws:iam::${ACCOUNT}:role/acme-worker-execution`);
    assert.deepEqual(task.config.volume, [{ name: "state" }]);
  });

  it("runs the image read-only as the image's user, writable only at the state volume", () => {
    const c = container();
    assert.equal(c.image, WORKER_IMAGE);
    assert.equal(c.essential, true);
    assert.equal(c.readonlyRootFilesystem, true);
    assert.equal(c.user, "10001:10001");
    assert.deepEqual(c.mountPoints, [
      { sourceVolume: "state", containerPath: "/var/lib/aws-devo-collector", readOnly: false },
    ]);
  });

  it("checks /healthz on the metrics port and waits longer than the worker's 30 s drain before SIGKILL", () => {
    const c = container();
    assert.equal(c.healthCheck.command[0], "CMD");
    assert.match(c.healthCheck.command.join(" "), /fetch\('http:\/\/127\.0\.0\.1:9464\/healthz'\)/);
    assert.deepEqual(
      { interval: c.healthCheck.interval, timeout: c.healthCheck.timeout, retries: c.healthCheck.retries },
      { interval: 30, timeout: 5, retries: 3 },
    );
    assert.equal(c.stopTimeout, 45);
    assert.ok(c.stopTimeout > 30 && c.stopTimeout <= 120);
    assert.deepEqual(c.portMappings, [{ name: "metrics", containerPort: 9464, protocol: "tcp" }]);
  });

  it("injects the configuration parameter and the three certificate secrets as variables", () => {
    assert.deepEqual(container().secrets, [
      { name: "DEVO_COLLECTOR_CONFIG", valueFrom: parameterArn },
      { name: "DEVO_CHAIN_CRT", valueFrom: secretArn("acme/worker/devo-chain-crt") },
      { name: "DEVO_DOMAIN_CRT", valueFrom: secretArn("acme/worker/devo-domain-crt") },
      { name: "DEVO_DOMAIN_KEY", valueFrom: secretArn("acme/worker/devo-domain-key") },
    ]);
    assert.equal(
      JSON.stringify(container()).includes("BEGIN"),
      false,
      "no certificate material in the task definition",
    );
  });

  it("starts the worker's own command, no shell: the configuration is read from its variable", () => {
    const c = container();
    assert.deepEqual(c.entryPoint, [
      "node",
      "--max-semi-space-size=16",
      "/opt/aws-devo-collector/aws-devo-collector.mjs",
    ]);
    // The same program as the image's own ENTRYPOINT (exec form): the task only restates it.
    const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    assert.ok(entry, "the Dockerfile has an exec-form ENTRYPOINT");
    assert.deepEqual(c.entryPoint, JSON.parse(entry[1]));
    assert.deepEqual(c.command, ["run", "--config-env", "DEVO_COLLECTOR_CONFIG", "--metrics-port", "9464"]);
    for (const word of [...c.entryPoint, ...c.command]) {
      assert.doesNotMatch(word, /(^|\/)(sh|bash|dash|ash|zsh)$|^-c$|[;&|$`]/, `no shell in ${JSON.stringify(word)}`);
    }
    const configEnv = c.command[c.command.indexOf("--config-env") + 1];
    assert.equal(
      c.secrets.find((s: { name: string }) => s.name === configEnv)?.valueFrom,
      parameterArn,
      "--config-env names the variable ECS fills from the configuration parameter",
    );
  });

  it("maps the secrets to the variable names the hand-off's ECS configuration reads", () => {
    assert.deepEqual(WORKER_SECRET_ENV, {
      config: "DEVO_COLLECTOR_CONFIG",
      chain: "DEVO_CHAIN_CRT",
      cert: "DEVO_DOMAIN_CRT",
      key: "DEVO_DOMAIN_KEY",
    });
    assert.deepEqual(
      container().secrets.map((s: { name: string }) => s.name),
      Object.values(WORKER_SECRET_ENV),
    );
    assert.equal(container().environment.length, 1, "no secret is passed as a plain environment value");
    assert.deepEqual(
      container().mountPoints.map((m: { containerPath: string }) => m.containerPath),
      ["/var/lib/aws-devo-collector"],
    );
  });

  it("runs a command the worker accepts: with the variable unset, run fails on the variable, not on usage", async () => {
    let stderr = "";
    const saved = process.env.DEVO_COLLECTOR_CONFIG;
    delete process.env.DEVO_COLLECTOR_CONFIG;
    try {
      const code = await runRunCommand(container().command.slice(1), {
        stdout: { write: () => true },
        stderr: { write: (text: string) => (stderr += text) },
      });
      assert.equal(code, 2);
      assert.match(
        stderr,
        /^invalid configuration in env:DEVO_COLLECTOR_CONFIG:\n {2}- environment variable DEVO_COLLECTOR_CONFIG is not set/,
      );
    } finally {
      if (saved !== undefined) process.env.DEVO_COLLECTOR_CONFIG = saved;
    }
  });

  it("logs to its own log group through awslogs", () => {
    assert.deepEqual(container().logConfiguration, {
      logDriver: "awslogs",
      options: { "awslogs-group": "/ecs/acme/worker", "awslogs-region": REGION, "awslogs-stream-prefix": "worker" },
    });
    const group = ecs.one("aws_cloudwatch_log_group");
    assert.equal(group.config.name, "/ecs/acme/worker");
    assert.equal(group.config.retention_in_days, 30);
    assert.equal(group.config.kms_key_id, undefined, "SSE mode: CloudWatch Logs' own encryption");
  });
});

describe("ECS worker: cluster, network and service", () => {
  it("creates a cluster with Container Insights, which the scaling metric needs", () => {
    assert.deepEqual(ecs.one("aws_ecs_cluster").config, {
      name: "acme-workers",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
  });

  it("creates an egress-only security group: no inbound rule, HTTPS out", () => {
    const group = ecs.one("aws_security_group");
    assert.equal(group.config.vpc_id, WORKER_VPC);
    assert.equal(group.config.ingress, undefined);
    assert.equal(group.config.egress, undefined, "no inline rules (Terraform then removes AWS's allow-all)");
    assert.equal(ecs.ofType("aws_vpc_security_group_ingress_rule").length, 0);
    const egress = ecs.one("aws_vpc_security_group_egress_rule").config;
    assert.deepEqual(
      { protocol: egress.ip_protocol, from: egress.from_port, to: egress.to_port, cidr: egress.cidr_ipv4 },
      { protocol: "tcp", from: 443, to: 443, cidr: "0.0.0.0/0" },
    );
    assert.equal(ecs.value(egress.security_group_id), WORKER_SECURITY_GROUP_ID);
  });

  it("runs the service on Fargate in the given subnets, without public IPs, rolling back failed deployments", () => {
    const service = ecs.one("aws_ecs_service");
    assert.equal(service.config.name, "acme-worker");
    assert.equal(service.config.launch_type, "FARGATE");
    assert.equal(ecs.value(service.config.cluster), `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/acme-workers`);
    assert.equal(
      ecs.value(service.config.task_definition),
      `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/acme-worker:1`,
    );
    assert.deepEqual(ecs.value(service.config.network_configuration), {
      subnets: WORKER_SUBNETS,
      security_groups: [WORKER_SECURITY_GROUP_ID],
      assign_public_ip: false,
    });
    assert.equal(service.config.desired_count, 1);
    assert.deepEqual(service.config.lifecycle, { ignore_changes: ["desired_count"] });
    assert.equal(service.config.deployment_minimum_healthy_percent, 100);
    assert.deepEqual(service.config.deployment_circuit_breaker, { enable: true, rollback: true });
    assert.equal(service.config.enable_execute_command, false);
    // Tasks start only once the execution role may read the secrets and the task role holds the reader policy.
    const dependsOn = service.config.depends_on as string[];
    assert.ok(dependsOn.some((d) => d.startsWith("aws_iam_role_policy.")));
    assert.ok(dependsOn.some((d) => d.startsWith("aws_iam_role_policy_attachment.")));
  });
});

describe("ECS worker: scaling on backlog per task", () => {
  const target = ecs.one("aws_appautoscaling_target");
  const policy = ecs.one("aws_appautoscaling_policy");

  it("scales the service's desired count between min_tasks and max_tasks", () => {
    assert.equal(target.config.service_namespace, "ecs");
    assert.equal(target.config.scalable_dimension, "ecs:service:DesiredCount");
    assert.equal(ecs.value(target.config.resource_id), "service/acme-workers/acme-worker");
    assert.equal(target.config.min_capacity, 1);
    assert.equal(target.config.max_capacity, 4);
    assert.equal(ecs.value(policy.config.resource_id), "service/acme-workers/acme-worker");
  });

  it("tracks the visible messages of the queues in worker.scaling.queues divided by the running tasks", () => {
    assert.equal(policy.config.policy_type, "TargetTrackingScaling");
    const tracking = ecs.value(policy.config.target_tracking_scaling_policy_configuration) as Json;
    assert.equal(tracking.target_value, 300);
    assert.equal(tracking.scale_out_cooldown, 60);
    assert.equal(tracking.scale_in_cooldown, 600, "scale in slowly");
    assert.equal(tracking.disable_scale_in, undefined);
    const metrics = tracking.customized_metric_specification.metrics as Json[];
    const queues = metrics.filter((m: Json) => m.metric_stat?.metric.namespace === "AWS/SQS");
    assert.deepEqual(
      queues.map((m) => m.metric_stat.metric.dimensions[0].value),
      ECS_SCALED_QUEUES,
      "the chosen queues, in the pipeline's order",
    );
    assert.ok(
      ecs.ofType("aws_sqs_queue").some((q) => q.config.name === "acme-config"),
      "the queue left out of scaling still exists (the worker reads it)",
    );
    for (const m of queues) {
      assert.equal(m.metric_stat.metric.metric_name, "ApproximateNumberOfMessagesVisible");
      assert.equal(m.metric_stat.stat, "Sum");
      assert.equal(m.return_data, false);
    }
    const tasks = metrics.find((m) => m.id === "tasks");
    assert.deepEqual(tasks?.metric_stat.metric, {
      namespace: "ECS/ContainerInsights",
      metric_name: "RunningTaskCount",
      dimensions: [
        { name: "ClusterName", value: "acme-workers" },
        { name: "ServiceName", value: "acme-worker" },
      ],
    });
    const returned = metrics.filter((m) => m.return_data === true);
    assert.equal(returned.length, 1, "exactly one series is tracked");
    assert.equal(returned[0].expression, `SUM([${queues.map((m) => m.id).join(", ")}]) / tasks`);
  });

  it("watches every collector queue when none are chosen, up to the limit", () => {
    // Nine technologies: nine queue metrics and RunningTaskCount, CloudWatch's ten.
    const scenario = ecsWorkerScenario();
    const { config: _config, ...nine } = scenario.technologies;
    scenario.technologies = nine;
    scenario.worker = { ...scenario.worker, scaling: { max_message_age_seconds: 900 } };
    const synth = synthesize(scenario);
    const collectors = synth
      .ofType("aws_sqs_queue")
      .map((q) => q.config.name as string)
      .filter((n) => !n.endsWith("-dlq"));
    assert.equal(collectors.length, 9);
    const tracking = synth
      .ofType("aws_appautoscaling_policy")
      .find((p) => p.config.policy_type === "TargetTrackingScaling");
    const trackingConfig = synth.value(tracking?.config.target_tracking_scaling_policy_configuration) as Json;
    const metrics = trackingConfig.customized_metric_specification.metrics as Json[];
    assert.deepEqual(
      metrics
        .filter((m) => m.metric_stat?.metric.namespace === "AWS/SQS")
        .map((m) => m.metric_stat.metric.dimensions[0].value)
        .sort(),
      collectors.sort(),
    );
    const alarm = synth.one("aws_cloudwatch_metric_alarm", isWorkerAlarm).config;
    assert.deepEqual(
      (alarm.metric_query as Json[])
        .filter((q) => q.metric !== undefined)
        .map((q) => q.metric.dimensions.QueueName)
        .sort(),
      collectors.sort(),
    );
    assert.deepEqual(
      assertMetricMathWithinAlarmLimits(synth)
        .map((b) => b.retrieved)
        .sort((a, b) => a - b),
      [9, ALARM_MAX_RETRIEVED_METRICS],
      "the backlog policy is exactly at the limit, the age alarm one under",
    );
  });
});

describe("ECS worker: scale-out on the oldest message's age", () => {
  it("is off by default: no alarm, one scaling policy", () => {
    assert.equal(ecs.ofType("aws_cloudwatch_metric_alarm").filter(isWorkerAlarm).length, 0);
    assert.equal(ecs.ofType("aws_appautoscaling_policy").length, 1);
  });

  const scenario = ecsWorkerScenario();
  scenario.worker = { ...scenario.worker, scaling: { ...scenario.worker.scaling, max_message_age_seconds: 900 } };
  const aged = synthesize(scenario);
  const stepPolicy = () => {
    const policies = aged.ofType("aws_appautoscaling_policy");
    assert.equal(policies.length, 2, "target tracking plus the step policy");
    return policies.find((p) => p.config.policy_type === "StepScaling")!;
  };

  it("adds a step policy on the same target that only ever adds tasks", () => {
    const step = stepPolicy();
    assert.equal(aged.value(step.config.resource_id), "service/acme-workers/acme-worker");
    assert.equal(aged.value(step.config.scalable_dimension), "ecs:service:DesiredCount");
    const config = step.config.step_scaling_policy_configuration;
    assert.equal(config.adjustment_type, "ChangeInCapacity");
    assert.equal(config.cooldown, 60, "the scale-out cooldown");
    const steps = config.step_adjustment as Json[];
    assert.deepEqual(
      steps.map((s) => [s.metric_interval_lower_bound, s.metric_interval_upper_bound, s.scaling_adjustment]),
      [
        ["0", "900", 1],
        ["900", undefined, 2],
      ],
    );
    assert.ok(
      steps.every((s) => s.scaling_adjustment > 0),
      "no step removes a task",
    );
    assert.ok(
      steps.every((s) => Number(s.metric_interval_lower_bound) >= 0),
      "no step below the threshold",
    );
    const tracking = aged
      .ofType("aws_appautoscaling_policy")
      .find((p) => p.config.policy_type === "TargetTrackingScaling");
    assert.equal(tracking?.config.target_tracking_scaling_policy_configuration.disable_scale_in, undefined);
  });

  it("fires the step policy from an alarm on the oldest message of any watched queue", () => {
    const alarm = aged.one("aws_cloudwatch_metric_alarm", isWorkerAlarm).config;
    assert.equal(aged.value(alarm.alarm_name), "acme-worker-oldest-message-age");
    assert.equal(alarm.comparison_operator, "GreaterThanOrEqualToThreshold");
    assert.equal(alarm.threshold, 900);
    assert.equal(alarm.evaluation_periods, 3);
    assert.equal(alarm.treat_missing_data, "notBreaching");
    assert.deepEqual(alarm.alarm_actions, [`\${${stepPolicy().address}.arn}`]);
    assert.equal(alarm.ok_actions, undefined);
    const queries = alarm.metric_query as Json[];
    const perQueue = queries.filter((q) => q.metric !== undefined);
    assert.deepEqual(
      perQueue.map((q) => q.metric.dimensions.QueueName),
      ECS_SCALED_QUEUES,
      "the queues the backlog policy watches",
    );
    for (const q of perQueue) {
      assert.deepEqual(
        [q.metric.namespace, q.metric.metric_name, q.metric.stat, q.metric.period, q.return_data],
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", 60, false],
      );
    }
    const returned = queries.filter((q) => q.return_data === true);
    assert.equal(returned.length, 1);
    assert.equal(returned[0].expression, `MAX([${perQueue.map((q) => q.id).join(", ")}])`);
  });
});

describe("ECS worker: within CloudWatch's limits for metric-math alarms", () => {
  const aged = () => {
    const scenario = ecsWorkerScenario();
    scenario.worker = { ...scenario.worker, scaling: { ...scenario.worker.scaling, max_message_age_seconds: 900 } };
    return synthesize(scenario);
  };
  const kmsAged = () => {
    const scenario = ecsWorkerKmsScenario();
    scenario.worker = { ...scenario.worker, scaling: { max_message_age_seconds: 900 } };
    return synthesize(scenario);
  };

  it("holds at most 10 retrieved metrics in every alarm and target tracking metric the stacks synthesize", () => {
    const checked = [ecs, aged(), synthesize(ecsWorkerKmsScenario()), kmsAged()].map((synth) =>
      assertMetricMathWithinAlarmLimits(synth)
        // Resource type and the list's place, without the generated resource name.
        .map((b) => `${b.where.replace(/\.[^.]+/, "").replace(/\[\d+\]/g, "")}: ${b.retrieved}+${b.expressions}`)
        .sort(),
    );
    assert.deepEqual(checked, [
      [
        "aws_appautoscaling_policy.target_tracking_scaling_policy_configuration.customized_metric_specification.metrics: 10+1",
      ],
      [
        "aws_appautoscaling_policy.target_tracking_scaling_policy_configuration.customized_metric_specification.metrics: 10+1",
        "aws_cloudwatch_metric_alarm.metric_query: 9+1",
      ],
      // The KMS pipeline: four technologies and Security Hub's queue.
      [
        "aws_appautoscaling_policy.target_tracking_scaling_policy_configuration.customized_metric_specification.metrics: 6+1",
      ],
      [
        "aws_appautoscaling_policy.target_tracking_scaling_policy_configuration.customized_metric_specification.metrics: 6+1",
        "aws_cloudwatch_metric_alarm.metric_query: 5+1",
      ],
    ]);
  });

  it("the guard itself fails on an alarm retrieving 11 metrics", () => {
    const synth = new Synth(
      {
        resource: {
          aws_cloudwatch_metric_alarm: {
            wide: {
              metric_query: [
                ...Array.from({ length: 11 }, (_, i) => ({ id: `m${i}`, return_data: false, metric: {} })),
                { id: "e", expression: "MAX(METRICS())", return_data: true },
              ],
            },
          },
        },
      },
      ACCOUNT,
      REGION,
    );
    assert.throws(
      () => assertMetricMathWithinAlarmLimits(synth),
      /aws_cloudwatch_metric_alarm\.wide\.metric_query retrieves 11 metrics; a CloudWatch alarm takes at most 10/,
    );
  });

  const bareStack = () => {
    const stack = new TerraformStack(testingApp(), "standalone");
    new AwsProvider(stack, "aws", { region: REGION });
    return stack;
  };
  const scaling = parsePipelineConfig(ecsWorkerKmsScenario()).worker!.scaling;
  const tenQueues = Array.from({ length: 10 }, (_, i) => `q${i}`);

  it("the construct on its own refuses more queues than the backlog policy can hold", () => {
    const build = (queueNames: string[], queues?: string[]) =>
      new WorkerAutoscaling(bareStack(), "autoscaling", {
        clusterName: "c",
        serviceName: "s",
        queueNames,
        scaling: { ...scaling, ...(queues === undefined ? {} : { queues }) },
      });
    assert.throws(
      () => build(tenQueues),
      /would watch 10 queues; CloudWatch's metric-math alarms hold at most 9 of them .*: set worker\.scaling\.queues/,
    );
    assert.throws(() => build(tenQueues, ["q1", "q11"]), /names queues the worker does not read: q11/);
    assert.equal(build(tenQueues, tenQueues.slice(1)).policy.node.id, "backlog-per-task");
    assert.equal(build(tenQueues.slice(1)).policy.node.id, "backlog-per-task");
  });
});

describe("ECS worker: roles, secrets and outputs", () => {
  it("attaches the pipeline's one reader policy to the task role, and outputs the task role as role_arn", () => {
    assert.equal(ecs.ofType("aws_iam_policy").length, 1, "one reader policy, no second copy");
    const attachment = ecs.one("aws_iam_role_policy_attachment");
    assert.equal(ecs.value(attachment.config.policy_arn), `arn:aws:iam::${ACCOUNT}:policy/acme-reader`);
    assert.equal(ecs.value(attachment.config.role), "acme-worker-task");
    assert.equal(ecs.output("role_arn"), `arn:aws:iam::${ACCOUNT}:role/acme-worker-task`);
    assert.equal(ecs.output("access_mode"), "self_hosted");
  });

  it("holds the same reader document as Devo's role over the same pipeline", () => {
    const devo = synthesize(directScenario());
    assert.deepEqual(
      ecs.document(ecs.one("aws_iam_policy"), "policy"),
      devo.document(devo.one("aws_iam_policy"), "policy"),
    );
  });

  it("keeps the configuration as a SecureString whose value Terraform leaves to the team", () => {
    const parameter = ecs.one("aws_ssm_parameter").config;
    assert.equal(parameter.name, "/acme/worker/config");
    assert.equal(parameter.type, "SecureString");
    assert.equal(parameter.tier, "Intelligent-Tiering");
    assert.equal(parameter.key_id, undefined, "SSE mode: the AWS managed aws/ssm key");
    assert.deepEqual(parameter.lifecycle, { ignore_changes: ["value"] });
    assert.doesNotMatch(String(parameter.value), /inputs:/, "a placeholder, not a configuration");
  });

  it("creates the certificate secrets without a value, so no key passes through Terraform state", () => {
    assert.deepEqual(
      ecs
        .ofType("aws_secretsmanager_secret")
        .map((s) => s.config.name)
        .sort(),
      ["acme/worker/devo-chain-crt", "acme/worker/devo-domain-crt", "acme/worker/devo-domain-key"],
    );
    assert.equal(ecs.ofType("aws_secretsmanager_secret_version").length, 0);
  });

  it("outputs the cluster, service, roles, log group and where to put the configuration and certificates", () => {
    assert.equal(ecs.output("worker_cluster_arn"), `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/acme-workers`);
    assert.equal(ecs.output("worker_cluster_name"), "acme-workers");
    assert.equal(ecs.output("worker_service_name"), "acme-worker");
    assert.equal(ecs.output("worker_task_role_arn"), `arn:aws:iam::${ACCOUNT}:role/acme-worker-task`);
    assert.equal(ecs.output("worker_execution_role_arn"), `arn:aws:iam::${ACCOUNT}:role/acme-worker-execution`);
    assert.equal(ecs.output("worker_log_group"), "/ecs/acme/worker");
    assert.equal(ecs.output("worker_config_location"), "/acme/worker/config");
    assert.deepEqual(ecs.output("worker_certificate_secrets"), {
      chain: secretArn("acme/worker/devo-chain-crt"),
      cert: secretArn("acme/worker/devo-domain-crt"),
      key: secretArn("acme/worker/devo-domain-key"),
    });
  });

  it("renders every JSON attribute, container definitions included, through jsonencode", () => {
    assertJsonAttributesAreExpressions(ecs);
    assert.match(ecs.one("aws_ecs_task_definition").config.container_definitions, /^\$\{jsonencode\(\[.*\]\)\}$/s);
  });
});

describe("ECS worker: options", () => {
  const withWorker = (worker: Record<string, unknown>) => {
    const scenario = ecsWorkerScenario();
    scenario.worker = { ...scenario.worker, ...worker };
    return synthesize(scenario);
  };

  it("uses an existing cluster and security groups, creating neither", () => {
    const clusterArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/platform`;
    const synth = withWorker({
      cluster_arn: clusterArn,
      container_insights: true,
      security_group_ids: ["sg-0123456789abcdef0"],
      vpc_id: undefined,
    });
    assert.equal(synth.ofType("aws_ecs_cluster").length, 0);
    assert.equal(synth.ofType("aws_security_group").length, 0);
    const service = synth.one("aws_ecs_service");
    assert.equal(service.config.cluster, clusterArn);
    assert.deepEqual(synth.value(service.config.network_configuration.security_groups), ["sg-0123456789abcdef0"]);
    assert.equal(
      synth.value(synth.one("aws_appautoscaling_target").config.resource_id),
      "service/platform/acme-worker",
    );
    assert.equal(synth.output("worker_cluster_name"), "platform");
  });

  it("reads given certificate secrets and keeps the configuration in Secrets Manager when asked", () => {
    const given = {
      chain_secret_arn: secretArn("devo/chain"),
      cert_secret_arn: secretArn("devo/cert"),
      key_secret_arn: secretArn("devo/key"),
    };
    const synth = withWorker({ certificates: given, config_store: "secrets_manager" });
    assert.equal(synth.ofType("aws_ssm_parameter").length, 0);
    assert.deepEqual(
      synth.ofType("aws_secretsmanager_secret").map((s) => s.config.name),
      ["acme/worker/config"],
      "only the configuration's secret is created",
    );
    const definitions = synth.document(synth.one("aws_ecs_task_definition"), "container_definitions");
    assert.deepEqual(
      definitions[0].secrets.map((s: { valueFrom: string }) => s.valueFrom),
      [secretArn("acme/worker/config"), given.chain_secret_arn, given.cert_secret_arn, given.key_secret_arn],
    );
    assert.equal(synth.output("worker_config_location"), secretArn("acme/worker/config"));
  });

  it("sizes, places and keeps logs as configured", () => {
    const synth = withWorker({
      cpu: 1024,
      memory: 3072,
      architecture: "arm64",
      assign_public_ip: true,
      stop_timeout_seconds: 90,
      log_retention_days: 365,
      scaling: {
        queues: ECS_SCALED_QUEUES,
        min_tasks: 2,
        max_tasks: 10,
        backlog_per_task: 50,
        scale_in_cooldown_seconds: 1200,
      },
    });
    const task = synth.one("aws_ecs_task_definition").config;
    assert.deepEqual([task.cpu, task.memory, task.runtime_platform.cpu_architecture], ["1024", "3072", "ARM64"]);
    assert.equal(synth.document(synth.one("aws_ecs_task_definition"), "container_definitions")[0].stopTimeout, 90);
    assert.equal(synth.one("aws_ecs_service").config.network_configuration.assign_public_ip, true);
    assert.equal(synth.one("aws_ecs_service").config.desired_count, 2);
    assert.equal(synth.one("aws_cloudwatch_log_group").config.retention_in_days, 365);
    const target = synth.one("aws_appautoscaling_target").config;
    assert.deepEqual([target.min_capacity, target.max_capacity], [2, 10]);
    const tracking = synth.one("aws_appautoscaling_policy").config.target_tracking_scaling_policy_configuration;
    assert.deepEqual([tracking.target_value, tracking.scale_in_cooldown], [50, 1200]);
  });

  it("grants no ECR permission for an image outside private ECR", () => {
    const synth = withWorker({ image: "public.ecr.aws/acme/aws-devo-collector:0.1.0" });
    const policy = synth.document(synth.one("aws_iam_role_policy"), "policy");
    assert.deepEqual(
      policy.Statement.map((s: { Sid: string }) => s.Sid),
      ["WriteWorkerLogs", "ReadWorkerConfig", "ReadWorkerSecrets"],
    );
  });
});

describe("ECS worker with the pipeline's KMS key", () => {
  const synth = synthesize(ecsWorkerKmsScenario());
  const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`;
  const logGroupArn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/acme/worker`;

  it("encrypts the configuration, the secrets and the log group with the key", () => {
    assert.equal(synth.value(synth.one("aws_ssm_parameter").config.key_id), keyArn);
    for (const secret of synth.ofType("aws_secretsmanager_secret")) {
      assert.equal(synth.value(secret.config.kms_key_id), keyArn, secret.config.name);
    }
    assert.equal(synth.value(synth.one("aws_cloudwatch_log_group").config.kms_key_id), keyArn);
  });

  it("admits CloudWatch Logs to the key for the worker's log group only", () => {
    const policy = synth.document(synth.one("aws_kms_key"), "policy");
    const logs = policy.Statement.find((s: { Sid: string }) => s.Sid === "CloudWatchLogsEncryptLogGroups");
    assert.deepEqual(logs.Principal, { Service: `logs.${REGION}.amazonaws.com` });
    assert.deepEqual(logs.Condition, { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn } });
  });

  it("keeps the key out of the log group when the key is given (its policy is not ours to extend)", () => {
    const scenario = ecsWorkerKmsScenario();
    scenario.encryption = {
      mode: "kms",
      kms_key_arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
    };
    const given = synthesize(scenario);
    assert.equal(given.one("aws_cloudwatch_log_group").config.kms_key_id, undefined);
    assert.equal(given.one("aws_ssm_parameter").config.key_id, scenario.encryption.kms_key_arn);
  });
});

describe("a pipeline without worker", () => {
  it("creates none of the worker's resources and none of its outputs", () => {
    for (const synth of [
      synthesize(directScenario()),
      synthesize({ ...directScenario(), access: { mode: "self_hosted" } }),
    ]) {
      for (const type of WORKER_TYPES) {
        const found = synth.ofType(type).filter((r) => type !== "aws_cloudwatch_metric_alarm" || isWorkerAlarm(r));
        assert.equal(found.length, 0, type);
      }
      assert.equal(synth.ofType("aws_iam_role").filter((r) => String(r.config.name).includes("worker")).length, 0);
      for (const output of WORKER_OUTPUTS) assert.equal(synth.json.output[output], undefined, output);
      const keyStatements = synth.ofType("aws_kms_key");
      assert.equal(keyStatements.length, 0);
    }
    const kms = synthesize({ ...ecsWorkerKmsScenario(), worker: undefined, access: { mode: "devo" } });
    const sids = kms.document(kms.one("aws_kms_key"), "policy").Statement.map((s: { Sid: string }) => s.Sid);
    assert.ok(!sids.includes("CloudWatchLogsEncryptLogGroups"));
  });
});

describe("ECS worker: npm run synth:hcl", () => {
  it("writes HCL that parses, with container definitions and policies as jsonencode equal to the JSON output", async () => {
    const root = new URL("../../", import.meta.url).pathname;
    const work = tempDir("ecs-hcl-");
    const configPath = join(work, "pipeline.yaml");
    // With the age alarm too, so its metric queries go through the HCL renderer as well.
    const scenario = ecsWorkerScenario();
    scenario.worker = { ...scenario.worker, scaling: { ...scenario.worker.scaling, max_message_age_seconds: 900 } };
    writeFileSync(configPath, stringify(scenario));
    const run = promisify(execFile);
    for (const hcl of [true, false]) {
      await run(process.execPath, ["--no-deprecation", join(root, "infra/main.ts")], {
        cwd: root,
        env: {
          ...process.env,
          PIPELINE_CONFIG: configPath,
          CDKTF_OUTDIR: join(work, String(hcl)),
          SYNTH_HCL_OUTPUT: String(hcl),
        },
      });
    }
    const stackDir = (hcl: boolean) => join(work, String(hcl), "stacks", "devo-aws-logs");
    const json = new Synth(JSON.parse(readFileSync(join(stackDir(false), "cdk.tf.json"), "utf8")), ACCOUNT, REGION);
    const blocks = parseHclFile(readFileSync(join(stackDir(true), "cdk.tf"), "utf8")).filter(
      (b): b is HclBlock => b.kind === "block" && b.type === "resource",
    );
    let compared = 0;
    for (const block of blocks) {
      const [type, name] = block.labels;
      for (const item of block.body) {
        if (item.kind !== "attribute" || !["container_definitions", "policy", "assume_role_policy"].includes(item.name))
          continue;
        const value =
          item.value.kind === "template" && item.value.parts.length === 1 && typeof item.value.parts[0] !== "string"
            ? item.value.parts[0]
            : item.value;
        assert.equal(value.kind, "call", `${type}.${name}.${item.name}`);
        const fromHcl = JSON.parse(evaluate(value, (path) => json.value(`\${${path}}`)) as string);
        assert.deepEqual(fromHcl, json.document(json.byAddress(`${type}.${name}`), item.name));
        compared++;
      }
    }
    assert.ok(compared >= 5, `${compared} documents compared`);
    assert.ok(blocks.some((b) => b.labels[0] === "aws_ecs_task_definition"));
    assert.ok(blocks.some((b) => b.labels[0] === "aws_cloudwatch_metric_alarm"));
  });
});
