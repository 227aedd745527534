import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePipelineConfig } from "../../infra/config.ts";
import { assertIssue, issuesOf } from "./helpers/config-issues.ts";
import {
  directScenario,
  ECS_SCALED_QUEUES,
  ecsWorkerKmsScenario,
  ecsWorkerScenario,
  ecsWorkerSection,
  type ScenarioConfig,
  WORKER_IMAGE,
  WORKER_SUBNETS,
  WORKER_VPC,
} from "./helpers/scenarios.ts";

/**
 * The ECS scenario with `worker` changed; `undefined` removes a key. A `scaling` change keeps the scenario's
 * `queues` (its ten collector queues need the choice), unless it sets its own.
 */
function withWorker(changes: Record<string, unknown>, top: ScenarioConfig = {}): ScenarioConfig {
  const scenario = { ...ecsWorkerScenario(), ...top };
  const scaling =
    changes.scaling === undefined ? {} : { scaling: { ...scenario.worker.scaling, ...(changes.scaling as object) } };
  scenario.worker = { ...scenario.worker, ...changes, ...scaling };
  return scenario;
}

describe("worker configuration: defaults", () => {
  it("fills every default of the smallest ECS section", () => {
    assert.deepEqual(parsePipelineConfig(ecsWorkerKmsScenario()).worker, {
      image: WORKER_IMAGE,
      cpu: 512,
      memory: 1024,
      architecture: "x86_64",
      stopTimeoutSeconds: 45,
      logRetentionDays: 30,
      configStore: "ssm_parameter",
      secretRecoveryWindowDays: 7,
      certificates: undefined,
      clusterArn: undefined,
      containerInsights: true,
      subnetIds: WORKER_SUBNETS,
      securityGroupIds: undefined,
      vpcId: WORKER_VPC,
      assignPublicIp: false,
      scaling: {
        metric: "backlog_per_task",
        cpuTargetPercent: 60,
        minTasks: 1,
        maxTasks: 4,
        backlogPerTask: 300,
        scaleOutCooldownSeconds: 60,
        scaleInCooldownSeconds: 600,
      },
    });
  });

  it("leaves worker undefined when the section is absent", () => {
    const { worker: _none, ...rest } = ecsWorkerScenario();
    assert.equal(parsePipelineConfig(rest).worker, undefined);
  });

  it("accepts every Fargate size it is given that Fargate offers", () => {
    for (const [cpu, memory] of [
      [256, 512],
      [256, 2048],
      [1024, 8192],
      [4096, 30720],
      [8192, 20480],
      [16384, 122880],
    ]) {
      assert.equal(parsePipelineConfig(withWorker({ cpu, memory })).worker?.memory, memory, `${cpu}/${memory}`);
    }
  });
});

describe("worker configuration: refused, with the YAML path", () => {
  it("deploy: ecs without subnets", () => {
    assertIssue(issuesOf(withWorker({ subnet_ids: undefined })), "worker.subnet_ids", /required with deploy: ecs/);
    assertIssue(issuesOf(withWorker({ subnet_ids: [] })), "worker.subnet_ids", /at least 1|>=1/i);
  });

  it("min_tasks above max_tasks", () => {
    assertIssue(
      issuesOf(withWorker({ scaling: { min_tasks: 5, max_tasks: 2 } })),
      "worker.scaling.min_tasks",
      /must not exceed worker\.scaling\.max_tasks \(2\)/,
    );
  });

  it("an ECS worker with Devo's access mode: the task role needs the reader policy", () => {
    assertIssue(issuesOf(withWorker({}, { access: { mode: "devo" } })), "access.mode", /set access\.mode: self_hosted/);
  });

  it("no security group and nothing to create one in, or both a group and a VPC", () => {
    assertIssue(
      issuesOf(withWorker({ vpc_id: undefined })),
      "worker.vpc_id",
      /required to create the worker's egress-only security group/,
    );
    assertIssue(
      issuesOf(withWorker({ security_group_ids: ["sg-0123456789abcdef0"] })),
      "worker.vpc_id",
      /with worker\.security_group_ids it would be ignored/,
    );
  });

  it("CPU/memory pairs Fargate does not offer", () => {
    assertIssue(issuesOf(withWorker({ cpu: 300 })), "worker.cpu", /Fargate offers 256, 512, .* not 300/);
    assertIssue(issuesOf(withWorker({ cpu: 512, memory: 512 })), "worker.memory", /1024-4096 MiB in steps of 1024/);
    assertIssue(issuesOf(withWorker({ cpu: 256, memory: 1536 })), "worker.memory", /not 1536/);
    assertIssue(issuesOf(withWorker({ cpu: 1024, memory: 2500 })), "worker.memory", /not 2500/);
  });

  it("images without a pinned version, or that would break the task definition", () => {
    assertIssue(issuesOf(withWorker({ image: "acme/collector" })), "worker.image", /with a tag or digest/);
    assertIssue(issuesOf(withWorker({ image: "acme/collector:latest" })), "worker.image", /instead of :latest/);
    assertIssue(issuesOf(withWorker({ image: 'acme/collector:1"x' })), "worker.image", /tag or digest/);
  });

  it("bad ids, ARNs and ranges", () => {
    const issues = issuesOf(
      withWorker({
        deploy: "ec2",
        subnet_ids: ["subnet-xyz"],
        vpc_id: "vpc1",
        cluster_arn: "arn:aws:ecs:eu-west-1:111122223333:service/x",
        stop_timeout_seconds: 300,
        log_retention_days: 31,
        config_store: "s3",
        certificates: {
          chain_secret_arn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:devo/chain",
          cert_secret_arn: "x",
          key_secret_arn: "x",
        },
        scaling: { min_tasks: 0, unknown: 1 },
        extra: true,
      }),
    );
    assertIssue(issues, "worker.deploy", /ecs/);
    assertIssue(issues, "worker.subnet_ids[0]", /must be a subnet id/);
    assertIssue(issues, "worker.vpc_id", /must be a VPC id/);
    assertIssue(issues, "worker.cluster_arn", /must be an ECS cluster ARN/);
    assertIssue(issues, "worker.stop_timeout_seconds", /120/);
    assertIssue(issues, "worker.log_retention_days", /one of CloudWatch Logs' retention periods/);
    assertIssue(issues, "worker.config_store", /ssm_parameter|secrets_manager/);
    assertIssue(issues, "worker.certificates.chain_secret_arn", /six-character suffix/);
    assertIssue(issues, "worker.scaling.min_tasks", />=1|at least 1|too small/i);
    assertIssue(issues, "worker.scaling.unknown", /^unknown key/);
    assertIssue(issues, "worker.extra", /^unknown key/);
  });

  it("a cluster of another account or Region", () => {
    assertIssue(
      issuesOf(withWorker({ cluster_arn: "arn:aws:ecs:us-east-1:111122223333:cluster/platform" })),
      "worker.cluster_arn",
      /in the pipeline's account and region/,
    );
  });

  it("reports every worker problem at once, beside the pipeline's own", () => {
    const issues = issuesOf(
      withWorker(
        { subnet_ids: undefined, cpu: 512, memory: 512, scaling: { min_tasks: 3, max_tasks: 1 } },
        {
          access: { mode: "devo" },
          queues: { message_retention_seconds: 1209600 },
        },
      ),
    );
    const paths = issues.map((i) => i.path).sort();
    assert.deepEqual(paths, [
      "access.mode",
      "queues.dead_letter_retention_seconds",
      "worker.memory",
      "worker.scaling.min_tasks",
      "worker.subnet_ids",
    ]);
  });
});

describe("worker configuration: scale-out on the oldest message's age", () => {
  it("is off by default and taken as given", () => {
    const off = parsePipelineConfig(ecsWorkerScenario()).worker?.scaling;
    assert.equal(off !== undefined && "maxMessageAgeSeconds" in off, false);
    const on = parsePipelineConfig(withWorker({ scaling: { max_message_age_seconds: 900 } })).worker?.scaling;
    assert.equal(on?.maxMessageAgeSeconds, 900);
  });

  it("must exceed the visibility timeout: a message in work keeps ageing", () => {
    assertIssue(
      issuesOf(withWorker({ scaling: { max_message_age_seconds: 300 } })),
      "worker.scaling.max_message_age_seconds",
      /must exceed queues\.visibility_timeout_seconds \(300\)/,
    );
    assert.equal(
      parsePipelineConfig(withWorker({ scaling: { max_message_age_seconds: 301 } })).worker?.scaling
        .maxMessageAgeSeconds,
      301,
    );
  });

  it("must stay below the retention: expired messages never reach the age", () => {
    assertIssue(
      issuesOf(
        withWorker({ scaling: { max_message_age_seconds: 3600 } }, { queues: { message_retention_seconds: 3600 } }),
      ),
      "worker.scaling.max_message_age_seconds",
      /must be below queues\.message_retention_seconds \(3600\)/,
    );
  });

  it("refuses ages under a minute (SQS reports once a minute) or past 14 days", () => {
    assertIssue(
      issuesOf(withWorker({ scaling: { max_message_age_seconds: 30 } })),
      "worker.scaling.max_message_age_seconds",
      />=60|at least 60|too small/i,
    );
    assertIssue(
      issuesOf(withWorker({ scaling: { max_message_age_seconds: 2_000_000 } })),
      "worker.scaling.max_message_age_seconds",
      /<=1209600|at most|too big/i,
    );
  });
});

describe("worker configuration: the queues the scaling policies watch", () => {
  /** The direct pipeline (ten S3 technologies) with the smallest ECS section: no `scaling.queues`. */
  function pipeline(technologies: Record<string, unknown>, top: ScenarioConfig = {}): ScenarioConfig {
    return { ...directScenario(), technologies, access: { mode: "self_hosted" }, worker: ecsWorkerSection(), ...top };
  }
  const ten = directScenario().technologies;
  const { app: _app, ...nine } = ten;
  const tenQueues = [...ECS_SCALED_QUEUES, "acme-config"];

  it("watches every collector queue when there are at most nine (nine metrics and the task count: ten)", () => {
    const scaling = parsePipelineConfig(pipeline(nine)).worker?.scaling;
    assert.equal(Object.keys(nine).length, 9);
    assert.equal(scaling !== undefined && "queues" in scaling, false, "no choice: every queue");
  });

  it("refuses a tenth collector queue without a choice, naming the limit, the count and every queue", () => {
    const issues = issuesOf(pipeline(ten));
    assertIssue(
      issues,
      "worker.scaling.queues",
      /^required with more than 9 collector queues: the scaling policies can watch at most 9 and this pipeline has 10 \(technologies\.cloudtrail: acme-cloudtrail, .*, technologies\.app: acme-app\); CloudWatch alarms on metric math retrieve at most 10 metrics/,
    );
    assert.equal(issues.length, 1, issues.map((i) => i.message).join("\n"));
  });

  it("counts EventBridge queues too", () => {
    assertIssue(
      issuesOf(pipeline(nine, { eventbridge: { security_hub: { enabled: true } } })),
      "worker.scaling.queues",
      /this pipeline has 10 \(.*technologies\.cdn: acme-cdn, eventbridge\.security_hub: acme-security-hub\)/,
    );
  });

  it("takes a choice of nine of the ten queues as given", () => {
    const chosen = pipeline(ten);
    chosen.worker.scaling = { queues: [...ECS_SCALED_QUEUES] };
    assert.deepEqual(parsePipelineConfig(chosen).worker?.scaling.queues, ECS_SCALED_QUEUES);
  });

  it("refuses a choice of more than nine queues, with the figures", () => {
    const issues = issuesOf(withWorker({ scaling: { queues: tenQueues } }));
    assertIssue(
      issues,
      "worker.scaling.queues",
      /^lists 10 queues; the scaling policies can watch at most 9: CloudWatch alarms on metric math retrieve at most 10 metrics/,
    );
    assert.equal(issues.length, 1);
  });

  it("refuses names that are not collector queues of the pipeline, dead-letter queues included, and repeats", () => {
    const issues = issuesOf(
      withWorker({ scaling: { queues: ["acme-cloudtrail", "acme-cloudtrail-dlq", "acme-vpc", "acme-vpc"] } }),
    );
    assertIssue(
      issues,
      "worker.scaling.queues[1]",
      /^"acme-cloudtrail-dlq" is not a collector queue of this pipeline; its queues are acme-cloudtrail, acme-vpc, .*acme-app$/,
    );
    assertIssue(issues, "worker.scaling.queues[3]", /^"acme-vpc" is listed twice$/);
    assert.equal(issues.length, 2);
    assertIssue(
      issuesOf(withWorker({ scaling: { queues: [] } })),
      "worker.scaling.queues",
      />=1|at least 1|too small/i,
    );
  });
});
