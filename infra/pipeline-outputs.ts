import { TerraformOutput, type TerraformStack } from "cdktf";

/** One collector queue as the hand-off lists it. */
export interface QueueHandOff {
  /** Technology type: `cloudtrail`, `vpcflow`, … or `service_events` / `security_hub`. */
  type: string;
  /** Devo's collector service name for this queue. */
  service: string;
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  /**
   * The buckets whose notifications arrive on this queue, with their owning accounts: the only objects a collector
   * of this queue should read (the worker's `allowed_buckets`). Empty for EventBridge queues.
   */
  buckets: { bucket: string; owner: string }[];
}

export interface PipelineOutputValues {
  /** Keyed by technology name from the configuration. */
  technologies: Record<string, QueueHandOff>;
  accessMode: "devo" | "self_hosted";
  /** The role the collector uses; empty in self-hosted mode when no worker role was named. */
  roleArn: string;
  /** Empty in self-hosted mode. */
  externalId: string;
  readerPolicyArn: string;
  bucket: string;
  region: string;
  accountId: string;
  /** Empty when no customer-managed key is in use. */
  kmsKeyArn: string;
  /** The topic the stack created for the alarms; empty when none. */
  alarmTopicArn: string;
  /** Names of the CloudWatch alarms on the queues; empty when `alarms.enabled` is false. */
  alarmNames: string[];
  /** The ECS worker, when the stack runs one. */
  worker?: WorkerOutputValues;
}

export interface WorkerOutputValues {
  clusterArn: string;
  clusterName: string;
  serviceName: string;
  taskRoleArn: string;
  executionRoleArn: string;
  logGroupName: string;
  /** Parameter name or secret ARN holding the worker's configuration. */
  configLocation: string;
  certificateSecretArns: { chain: string; cert: string; key: string };
}

/** One stack output: name, description, and its value drawn from the stack's values. */
type OutputRow<T> = [string, string, (values: T) => unknown];

/** The collector queues by technology, as the output `technologies` lists them. */
function technologiesOutput(technologies: Record<string, QueueHandOff>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(technologies).map(([name, q]) => [
      name,
      {
        type: q.type,
        service: q.service,
        queue_url: q.queueUrl,
        queue_arn: q.queueArn,
        dead_letter_queue_url: q.deadLetterQueueUrl,
        buckets: q.buckets.map((b) => ({ bucket: b.bucket, owner: b.owner })),
      },
    ]),
  );
}

const PIPELINE_OUTPUTS: OutputRow<PipelineOutputValues>[] = [
  [
    "technologies",
    "Collector queues by technology: Devo service name, queue URL and ARN, dead-letter queue URL, and the buckets (with owners) that notify the queue",
    (v) => technologiesOutput(v.technologies),
  ],
  ["access_mode", "devo (cross-account role) or self_hosted", (v) => v.accessMode],
  ["role_arn", "Role the collector uses to read queues and objects", (v) => v.roleArn],
  // AWS documents the ExternalId as a guard against the confused deputy, not as a secret; it is printed so the
  // hand-off can read it without the state file.
  ["external_id", "ExternalId required to assume role_arn", (v) => v.externalId],
  ["reader_policy_arn", "Managed policy holding the reader permissions", (v) => v.readerPolicyArn],
  ["bucket", "Bucket the log files are read from", (v) => v.bucket],
  ["region", "Region of the queues and bucket", (v) => v.region],
  ["account_id", "Account holding the pipeline", (v) => v.accountId],
  ["kms_key_arn", "Customer-managed key in use, if any", (v) => v.kmsKeyArn],
  [
    "alarm_topic_arn",
    "SNS topic the pipeline's alarms notify (created by the stack); empty when none was created",
    (v) => v.alarmTopicArn,
  ],
  ["alarm_names", "CloudWatch alarms on the dead-letter queues and on the queues' oldest message", (v) => v.alarmNames],
];

function addOutputs<T>(stack: TerraformStack, rows: readonly OutputRow<T>[], values: T): void {
  for (const [name, description, value] of rows)
    new TerraformOutput(stack, name, { description, value: value(values) });
}

/**
 * The stack's outputs: the hand-off to Devo and the input of our own worker. They are defined at stack level so
 * their names stay exactly these (cdktf suffixes a hash to outputs nested in constructs), which lets
 * `terraform output -json` / `cdktf output --outputs-file` be read by name: those of PIPELINE_OUTPUTS and, with
 * the ECS worker, those of WORKER_OUTPUTS.
 */
export function addPipelineOutputs(stack: TerraformStack, values: PipelineOutputValues): void {
  addOutputs(stack, PIPELINE_OUTPUTS, values);
  if (values.worker !== undefined) addOutputs(stack, WORKER_OUTPUTS, values.worker);
}

/** The ECS worker's outputs: name, description, value. */
const WORKER_OUTPUTS: OutputRow<WorkerOutputValues>[] = [
  ["worker_cluster_arn", "ECS cluster of the worker", (w) => w.clusterArn],
  ["worker_cluster_name", "ECS cluster name (aws ecs update-service --cluster)", (w) => w.clusterName],
  ["worker_service_name", "ECS service of the worker", (w) => w.serviceName],
  ["worker_task_role_arn", "Role the worker tasks read with (holds the reader policy)", (w) => w.taskRoleArn],
  [
    "worker_execution_role_arn",
    "Role ECS starts the worker tasks with (image, logs, secrets)",
    (w) => w.executionRoleArn,
  ],
  ["worker_log_group", "CloudWatch log group of the worker", (w) => w.logGroupName],
  [
    "worker_config_location",
    "SSM parameter name or Secrets Manager ARN to put handoff/worker-config.ecs.yaml into",
    (w) => w.configLocation,
  ],
  [
    "worker_certificate_secrets",
    "Secrets Manager ARNs of the Devo domain's chain.crt, domain.crt and domain.key",
    (w) => ({
      chain: w.certificateSecretArns.chain,
      cert: w.certificateSecretArns.cert,
      key: w.certificateSecretArns.key,
    }),
  ],
];
