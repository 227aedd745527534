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
 * `technologies` (map: name → {type, service, queue_url, queue_arn, dead_letter_queue_url}), `access_mode`,
 * `role_arn`, `external_id`, `reader_policy_arn`, `bucket`, `region`, `account_id`, `kms_key_arn`; with the ECS
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
      },
    ]),
  );
  new TerraformOutput(stack, "technologies", {
    description: "Collector queues by technology: Devo service name, queue URL and ARN, dead-letter queue URL",
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
  if (values.worker !== undefined) addWorkerOutputs(stack, values.worker);
}

function addWorkerOutputs(stack: TerraformStack, worker: WorkerOutputValues): void {
  new TerraformOutput(stack, "worker_cluster_arn", {
    description: "ECS cluster of the worker",
    value: worker.clusterArn,
  });
  new TerraformOutput(stack, "worker_cluster_name", {
    description: "ECS cluster name (aws ecs update-service --cluster)",
    value: worker.clusterName,
  });
  new TerraformOutput(stack, "worker_service_name", {
    description: "ECS service of the worker",
    value: worker.serviceName,
  });
  new TerraformOutput(stack, "worker_task_role_arn", {
    description: "Role the worker tasks read with (holds the reader policy)",
    value: worker.taskRoleArn,
  });
  new TerraformOutput(stack, "worker_execution_role_arn", {
    description: "Role ECS starts the worker tasks with (image, logs, secrets)",
    value: worker.executionRoleArn,
  });
  new TerraformOutput(stack, "worker_log_group", {
    description: "CloudWatch log group of the worker",
    value: worker.logGroupName,
  });
  new TerraformOutput(stack, "worker_config_location", {
    description: "SSM parameter name or Secrets Manager ARN to put handoff/worker-config.yaml into",
    value: worker.configLocation,
  });
  new TerraformOutput(stack, "worker_certificate_secrets", {
    description: "Secrets Manager ARNs of the Devo domain's chain.crt, domain.crt and domain.key",
    value: {
      chain: worker.certificateSecretArns.chain,
      cert: worker.certificateSecretArns.cert,
      key: worker.certificateSecretArns.key,
    },
  });
}
