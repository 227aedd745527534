import type { ConfigIssue, PipelineConfig } from "../config.ts";
import { ALARM_METRIC_LIMIT, type EcsWorkerConfig, MAX_SCALED_QUEUES } from "../worker-config.ts";

/**
 * Fargate's CPU/memory pairs (MiB): for each CPU value, the smallest and largest memory and the step between
 * (Amazon ECS developer guide, "Task CPU and memory").
 */
const FARGATE_SIZES: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

function memoryFits(cpu: number, memory: number): boolean {
  const size = FARGATE_SIZES[cpu];
  if (size === undefined) return false;
  // 256 CPU units take 512, 1024 or 2048 MiB only: 1536 fits the range but is not offered.
  if (cpu === 256) return [512, 1024, 2048].includes(memory);
  return memory >= size.min && memory <= size.max && (memory - size.min) % size.step === 0;
}

/**
 * The queues the scaling policies watch must be collector queues of this pipeline, and few enough for CloudWatch:
 * the backlog policy's metric math retrieves one metric per queue plus RunningTaskCount, at most
 * ALARM_METRIC_LIMIT in all. Past that the stack would synthesize and only `terraform apply` would fail.
 */
function scalingQueueIssues(config: PipelineConfig, scaling: EcsWorkerConfig["scaling"]): ConfigIssue[] {
  const collectors = [...config.technologies, ...config.eventRules];
  const path = "worker.scaling.queues";
  const why =
    `CloudWatch alarms on metric math retrieve at most ${ALARM_METRIC_LIMIT} metrics, and the backlog policy ` +
    "also needs the running task count";
  if (scaling.queues === undefined) {
    if (collectors.length <= MAX_SCALED_QUEUES) return [];
    return [
      {
        path,
        message:
          `required with more than ${MAX_SCALED_QUEUES} collector queues: the scaling policies can watch at most ` +
          `${MAX_SCALED_QUEUES} and this pipeline has ${collectors.length} ` +
          `(${collectors.map((c) => `${c.origin}: ${c.queueName}`).join(", ")}); ${why}. List the busiest ` +
          `${MAX_SCALED_QUEUES} or fewer (the worker still reads every queue), or run the worker on EC2 instead`,
      },
    ];
  }
  const chosen = scaling.queues;
  const issues: ConfigIssue[] = [];
  const known = new Set(collectors.map((c) => c.queueName));
  chosen.forEach((name, i) => {
    if (!known.has(name)) {
      issues.push({
        path: `${path}[${i}]`,
        message: `"${name}" is not a collector queue of this pipeline; its queues are ${[...known].join(", ")}`,
      });
    } else if (chosen.indexOf(name) !== i) {
      issues.push({ path: `${path}[${i}]`, message: `"${name}" is listed twice` });
    }
  });
  const watched = new Set(chosen).size;
  if (watched > MAX_SCALED_QUEUES) {
    issues.push({
      path,
      message: `lists ${watched} queues; the scaling policies can watch at most ${MAX_SCALED_QUEUES}: ${why}`,
    });
  }
  return issues;
}

/**
 * Cross-field rules of `worker` (only when it is present): a Fargate task size that exists, a network the tasks
 * can start in, sensible scaling bounds, and the access mode that puts the reader policy on the task role.
 */
export function workerRuleViolations(config: PipelineConfig): ConfigIssue[] {
  const worker = config.worker;
  if (worker === undefined) return [];
  const issues: ConfigIssue[] = [];
  if (FARGATE_SIZES[worker.cpu] === undefined) {
    issues.push({
      path: "worker.cpu",
      message: `Fargate offers ${Object.keys(FARGATE_SIZES).join(", ")} CPU units, not ${worker.cpu}`,
    });
  } else if (!memoryFits(worker.cpu, worker.memory)) {
    const size = FARGATE_SIZES[worker.cpu];
    issues.push({
      path: "worker.memory",
      message: `with cpu ${worker.cpu}, Fargate takes ${size.min}-${size.max} MiB in steps of ${size.step}, not ${worker.memory}`,
    });
  }
  if (worker.subnetIds.length === 0) {
    issues.push({
      path: "worker.subnet_ids",
      message: "required with deploy: ecs: the private subnets the tasks run in (with a route to AWS APIs and Devo)",
    });
  }
  if (worker.securityGroupIds === undefined && worker.vpcId === undefined) {
    issues.push({
      path: "worker.vpc_id",
      message: "required to create the worker's egress-only security group; or give worker.security_group_ids",
    });
  }
  if (worker.securityGroupIds !== undefined && worker.vpcId !== undefined) {
    issues.push({
      path: "worker.vpc_id",
      message:
        "used only to create a security group; with worker.security_group_ids it would be ignored, so leave it out",
    });
  }
  if (worker.scaling.minTasks > worker.scaling.maxTasks) {
    issues.push({
      path: "worker.scaling.min_tasks",
      message: `must not exceed worker.scaling.max_tasks (${worker.scaling.maxTasks})`,
    });
  }
  issues.push(...scalingQueueIssues(config, worker.scaling));
  const maxAge = worker.scaling.maxMessageAgeSeconds;
  if (maxAge !== undefined && maxAge <= config.queues.visibilityTimeoutSeconds) {
    issues.push({
      path: "worker.scaling.max_message_age_seconds",
      message:
        `must exceed queues.visibility_timeout_seconds (${config.queues.visibilityTimeoutSeconds}): a message being ` +
        "worked on keeps ageing until it is deleted, so ordinary work would add tasks",
    });
  }
  if (maxAge !== undefined && maxAge >= config.queues.messageRetentionSeconds) {
    issues.push({
      path: "worker.scaling.max_message_age_seconds",
      message:
        `must be below queues.message_retention_seconds (${config.queues.messageRetentionSeconds}): messages expire ` +
        "before they reach that age, so the alarm would never add a task",
    });
  }
  if (worker.scaling.metric === "backlog_per_task" && !worker.containerInsights) {
    issues.push({
      path: "worker.container_insights",
      message:
        (worker.clusterArn === undefined
          ? "is false, but "
          : "must be true, confirming that the cluster of worker.cluster_arn has Container Insights on: ") +
        "scaling.metric backlog_per_task divides the queues' backlog by Container Insights' RunningTaskCount (a paid " +
        "CloudWatch feature), and without it the policy gets no data and never adds a task; or set " +
        "worker.scaling.metric: cpu (the service's CPUUtilization in AWS/ECS, free)",
    });
  }
  if (worker.clusterArn !== undefined) {
    const region = worker.clusterArn.split(":")[3];
    const account = worker.clusterArn.split(":")[4];
    if (region !== config.region || account !== config.account) {
      issues.push({
        path: "worker.cluster_arn",
        message: `the cluster must be in the pipeline's account and region (${config.account}, ${config.region})`,
      });
    }
  }
  if (config.access.mode !== "self_hosted") {
    issues.push({
      path: "access.mode",
      message:
        "the ECS worker reads the queues with its own task role, which gets the reader policy; set access.mode: self_hosted " +
        "(devo mode would also create a role for Devo's hosted collector to read the same queues)",
    });
  }
  return issues;
}
