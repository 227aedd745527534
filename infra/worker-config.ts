import { z } from "zod";

/**
 * The optional `worker` section of `pipeline.config.yaml`: run our own collector as an ECS Fargate service in the
 * customer's account. The schema checks types and ranges; cross-field rules (CPU/memory pairs, network, access
 * mode) are in `validation/worker-rules.ts`, so every problem is reported with its YAML path at once.
 */

/** The worker image's fixed layout (Dockerfile): /healthz and /metrics port, state volume. */
export const WORKER_METRICS_PORT = 9464;
export const WORKER_STATE_DIR = "/var/lib/aws-devo-collector";

/**
 * CloudWatch takes at most 10 metrics (MetricDataQuery items with a MetricStat) in an alarm on metric math
 * (PutMetricAlarm's Metrics; MetricDataQuery reference). Target tracking on metric math works through such alarms,
 * so its customized metric is held to the same number. Past it, the stack synthesizes and `terraform apply` fails.
 */
export const ALARM_METRIC_LIMIT = 10;
/** The backlog policy retrieves one metric per queue it watches, plus the service's RunningTaskCount. */
export const MAX_SCALED_QUEUES = ALARM_METRIC_LIMIT - 1;

/**
 * Image references: registry/repository with a tag or digest. Copied into the task definition, so no quotes,
 * backslashes or `${`; a tag is required because `latest` (the default without one) makes rollouts unrepeatable.
 */
const IMAGE = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]*(?::\d+)?(?:\/[a-z0-9][a-z0-9._-]*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$/,
    "must be an image reference with a tag or digest, such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/aws-devo-collector:0.1.0",
  )
  .refine(
    (v) => !v.endsWith(":latest"),
    "pin a version tag or a digest instead of :latest, so rollouts are repeatable",
  );
const SUBNET_ID = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id such as subnet-0123456789abcdef0");
const SECURITY_GROUP_ID = z
  .string()
  .regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id such as sg-0123456789abcdef0");
const VPC_ID = z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id such as vpc-0123456789abcdef0");
const CLUSTER_ARN = z
  .string()
  .regex(
    /^arn:aws(?:-cn|-us-gov)?:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/,
    "must be an ECS cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)",
  );
/** Full ARNs, with the six random characters Secrets Manager appends: IAM grants exactly this secret. */
const SECRET_ARN = z
  .string()
  .regex(
    /^arn:aws(?:-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}$/,
    "must be the full ARN of a Secrets Manager secret, ending in its six-character suffix (-AbCdEf)",
  );
/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const workerSchema = z.strictObject({
  /** The only deployment the stack builds today; the key leaves room for others (EC2 is documented by hand). */
  deploy: z.literal("ecs"),
  image: IMAGE,
  /** Fargate task size: CPU units and MiB; the pair must be one Fargate offers. */
  cpu: z.number().int().default(512),
  memory: z.number().int().default(1024),
  architecture: z.enum(["x86_64", "arm64"]).default("x86_64"),
  /**
   * Seconds between SIGTERM and SIGKILL. The worker drains within `globals.shutdown_grace_seconds` (30 s by
   * default); Fargate allows at most 120.
   */
  stop_timeout_seconds: z.number().int().min(2).max(120).default(45),
  log_retention_days: z
    .number()
    .int()
    .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
      message: `must be one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
    })
    .default(30),
  /** Where the worker's configuration (handoff/worker-config.yaml) is kept for the task to read. */
  config_store: z.enum(["ssm_parameter", "secrets_manager"]).default("ssm_parameter"),
  /** The Devo domain's TLS files as Secrets Manager secrets; absent: the stack creates three empty ones. */
  certificates: z
    .strictObject({
      chain_secret_arn: SECRET_ARN,
      cert_secret_arn: SECRET_ARN,
      key_secret_arn: SECRET_ARN,
    })
    .optional(),
  /**
   * Days Secrets Manager keeps a deleted secret of the worker (configuration, created certificate secrets) before
   * deleting it for good: 7-30, or 0 to delete at once. While a deleted secret waits, a secret of the same name
   * cannot be created, so `terraform destroy` then `apply` fails until the window ends; 0 lets it pass, at the
   * cost of losing the values (the Devo private key among them) with the stack.
   */
  secret_recovery_window_days: z
    .number()
    .int()
    .refine((v) => v === 0 || (v >= 7 && v <= 30), {
      message: "must be 0 (delete at once) or 7-30 days, the recovery windows Secrets Manager accepts",
    })
    .default(7),
  /** An existing cluster; absent: the stack creates one. */
  cluster_arn: CLUSTER_ARN.optional(),
  /**
   * Whether the cluster has Container Insights (a paid CloudWatch feature): `scaling.metric: backlog_per_task`
   * divides by its RunningTaskCount, and without it the policy has no data and never scales. A created cluster
   * gets it unless false; with `cluster_arn` it must be confirmed (true), since the stack cannot check it.
   */
  container_insights: z.boolean().optional(),
  subnet_ids: z.array(SUBNET_ID).min(1).optional(),
  /** Absent: an egress-only group is created in `vpc_id`. */
  security_group_ids: z.array(SECURITY_GROUP_ID).min(1).max(5).optional(),
  vpc_id: VPC_ID.optional(),
  /** Only for public subnets without a NAT gateway: tasks need a route to ECR, Secrets Manager, SQS, S3 and Devo. */
  assign_public_ip: z.boolean().default(false),
  scaling: z
    .strictObject({
      /**
       * What target tracking follows: `backlog_per_task` (visible messages of the queues per running task; needs
       * Container Insights) or `cpu` (the service's average CPUUtilization in AWS/ECS, free on Fargate).
       */
      metric: z.enum(["backlog_per_task", "cpu"]).default("backlog_per_task"),
      /** With `metric: cpu`: the average CPU utilization (percent of the task's CPU) to aim at. */
      cpu_target_percent: z.number().int().min(10).max(90).default(60),
      min_tasks: z.number().int().min(1).max(100).default(1),
      max_tasks: z.number().int().min(1).max(100).default(4),
      /** Visible messages per running task that the service aims at (target tracking). */
      backlog_per_task: z.number().int().min(1).max(100_000).default(300),
      scale_out_cooldown_seconds: z.number().int().min(0).max(3600).default(60),
      /** Long by default: removing a task hands its in-flight messages back to the queue. */
      scale_in_cooldown_seconds: z.number().int().min(0).max(3600).default(600),
      /**
       * Off unless given: add tasks (step scaling, scale-out only) when the oldest message of any collector queue
       * is this old, whatever the backlog per task says: a few slow objects can age without a large backlog.
       */
      max_message_age_seconds: z.number().int().min(60).max(1_209_600).optional(),
      /**
       * The collector queues (SQS names) both policies watch; absent: every collector queue. Needed past
       * MAX_SCALED_QUEUES queues: the worker still reads every queue, it only scales on these.
       */
      queues: z.array(z.string().min(1).max(80)).min(1).optional(),
    })
    .prefault({}),
});

export type RawWorkerConfig = z.output<typeof workerSchema>;

export type WorkerConfigStore = "ssm_parameter" | "secrets_manager";

/** The validated, defaulted ECS worker settings. */
export interface EcsWorkerConfig {
  image: string;
  cpu: number;
  memory: number;
  architecture: "x86_64" | "arm64";
  stopTimeoutSeconds: number;
  logRetentionDays: number;
  configStore: WorkerConfigStore;
  /** Secrets Manager's recovery window for the worker's secrets: 0 deletes at once. */
  secretRecoveryWindowDays: number;
  /** Given secrets; absent: created empty by the stack. */
  certificates?: { chainSecretArn: string; certSecretArn: string; keySecretArn: string };
  /** Absent: the stack creates a cluster. */
  clusterArn?: string;
  /** Container Insights on the cluster: set on a created one, confirmed by the configuration on an existing one. */
  containerInsights: boolean;
  subnetIds: string[];
  /** Absent: the stack creates an egress-only group in `vpcId`. */
  securityGroupIds?: string[];
  vpcId?: string;
  assignPublicIp: boolean;
  scaling: {
    metric: "backlog_per_task" | "cpu";
    cpuTargetPercent: number;
    minTasks: number;
    maxTasks: number;
    backlogPerTask: number;
    scaleOutCooldownSeconds: number;
    scaleInCooldownSeconds: number;
    /** Absent: no age-based scale-out. */
    maxMessageAgeSeconds?: number;
    /** Absent: the policies watch every collector queue. */
    queues?: string[];
  };
}

export function normalizeWorker(raw: RawWorkerConfig): EcsWorkerConfig {
  return {
    image: raw.image,
    cpu: raw.cpu,
    memory: raw.memory,
    architecture: raw.architecture,
    stopTimeoutSeconds: raw.stop_timeout_seconds,
    logRetentionDays: raw.log_retention_days,
    configStore: raw.config_store,
    secretRecoveryWindowDays: raw.secret_recovery_window_days,
    certificates:
      raw.certificates === undefined
        ? undefined
        : {
            chainSecretArn: raw.certificates.chain_secret_arn,
            certSecretArn: raw.certificates.cert_secret_arn,
            keySecretArn: raw.certificates.key_secret_arn,
          },
    clusterArn: raw.cluster_arn,
    containerInsights: raw.container_insights ?? raw.cluster_arn === undefined,
    // Checked by the worker rules; an empty list here only reaches the rules, never the stack.
    subnetIds: raw.subnet_ids ?? [],
    securityGroupIds: raw.security_group_ids,
    vpcId: raw.vpc_id,
    assignPublicIp: raw.assign_public_ip,
    scaling: {
      metric: raw.scaling.metric,
      cpuTargetPercent: raw.scaling.cpu_target_percent,
      minTasks: raw.scaling.min_tasks,
      maxTasks: raw.scaling.max_tasks,
      backlogPerTask: raw.scaling.backlog_per_task,
      scaleOutCooldownSeconds: raw.scaling.scale_out_cooldown_seconds,
      scaleInCooldownSeconds: raw.scaling.scale_in_cooldown_seconds,
      ...(raw.scaling.max_message_age_seconds === undefined
        ? {}
        : { maxMessageAgeSeconds: raw.scaling.max_message_age_seconds }),
      ...(raw.scaling.queues === undefined ? {} : { queues: raw.scaling.queues }),
    },
  };
}
