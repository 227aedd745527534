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

/**
 * The stack's outputs: the hand-off to Devo and the input of our own worker. They are defined at stack level so
 * their names stay exactly these (cdktf suffixes a hash to outputs nested in constructs), which lets
 * `terraform output -json` / `cdktf output --outputs-file` be read by name:
 *
 * `technologies` (map: name → {type, service, queue_url, queue_arn, dead_letter_queue_url, buckets: [{bucket,
 * owner}]}), `access_mode`,
 * `role_arn`, `external_id`, `reader_policy_arn`, `bucket`, `region`, `account_id`, `kms_key_arn`, `alarm_topic_arn`,
 * `alarm_names`; with the ECS
 * worker also `worker_cluster_arn`, `worker_cluster_name`, `worker_service_name`, `worker_task_role_arn`,
 * `worker_execution_role_arn`, `worker_log_group`, `worker_config_location` and `worker_certificate_secrets`.
 */
export function addPipelineOutputs(stack: TerraformStack, values: PipelineOutputValues): void {
  const technologies = Object.fromEntries(
    Object.entries(values.technologies).map(([name, q]) => [
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
  new TerraformOutput(stack, "technologies", {
    description:
      "Collector queues by technology: Devo service name, queue URL and ARN, dead-letter queue URL, and the buckets (with owners) that notify the queue",
    value: technologies,
  });
  new TerraformOutput(stack, "access_mode", {
    description: "devo (cross-account role) or self_hosted",
    value: values.accessMode,
  });
  new TerraformOutput(stack, "role_arn", {
    description: "Role the collector uses to read queues and objects",
    value: values.roleArn,
  });
  // AWS documents the ExternalId as a guard against the confused deputy, not as a secret; it is printed so the
  // hand-off can read it without the state file.
  new TerraformOutput(stack, "external_id", {
    description: "ExternalId required to assume role_arn",
    value: values.externalId,
  });
  new TerraformOutput(stack, "reader_policy_arn", {
    description: "Managed policy holding the reader permissions",
    value: values.readerPolicyArn,
  });
  new TerraformOutput(stack, "bucket", { description: "Bucket the log files are read from", value: values.bucket });
  new TerraformOutput(stack, "region", { description: "Region of the queues and bucket", value: values.region });
  new TerraformOutput(stack, "account_id", { description: "Account holding the pipeline", value: values.accountId });
  new TerraformOutput(stack, "kms_key_arn", {
    description: "Customer-managed key in use, if any",
    value: values.kmsKeyArn,
  });
  new TerraformOutput(stack, "alarm_topic_arn", {
    description: "SNS topic the pipeline's alarms notify (created by the stack); empty when none was created",
    value: values.alarmTopicArn,
  });
  new TerraformOutput(stack, "alarm_names", {
    description: "CloudWatch alarms on the dead-letter queues and on the queues' oldest message",
    value: values.alarmNames,
  });
  if (values.worker !== undefined) addWorkerOutputs(stack, values.worker);
}

/** The ECS worker's outputs: name, description, value. */
const WORKER_OUTPUTS: [string, string, (worker: WorkerOutputValues) => unknown][] = [
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

function addWorkerOutputs(stack: TerraformStack, worker: WorkerOutputValues): void {
  for (const [name, description, value] of WORKER_OUTPUTS) {
    new TerraformOutput(stack, name, { description, value: value(worker) });
  }
}
