import { Construct } from "constructs";
import { type AccountRegion, partitionOf } from "../../policies/arns.ts";
import { ecrRepositoryArn, ecrRepositoryOf } from "../../policies/container-image.ts";
import type { EcsWorkerConfig } from "../worker-config.ts";
import type { WorkerNames } from "../worker-names.ts";
import { EcsTaskRoles } from "./ecs-task-roles.ts";
import { EcsWorkerService } from "./ecs-worker-service.ts";
import type { ReaderPolicy } from "./reader-policy.ts";
import { WorkerAutoscaling } from "./worker-autoscaling.ts";
import { WorkerSecrets } from "./worker-secrets.ts";

export interface EcsWorkerProps {
  where: AccountRegion;
  names: WorkerNames;
  worker: EcsWorkerConfig;
  /** The pipeline's reader policy, attached to the task role as it is to any other reader. */
  readerPolicy: ReaderPolicy;
  /** Collector queues, whose backlog drives the task count. */
  queueNames: readonly string[];
  /** The pipeline key (KMS mode), for the configuration and created secrets. */
  kmsKeyArn?: string;
  /** The pipeline key when its policy admits CloudWatch Logs for the worker's log group (a key the stack created). */
  logKmsKeyArn?: string;
}

/** Our collector as an ECS Fargate service reading the pipeline's queues with the reader policy. */
export class EcsWorker extends Construct {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly taskRoleArn: string;
  readonly executionRoleArn: string;
  readonly logGroupName: string;
  readonly configLocation: string;
  readonly certificateSecretArns: { chain: string; cert: string; key: string };

  constructor(scope: Construct, id: string, props: EcsWorkerProps) {
    super(scope, id);
    const { where, names, worker } = props;
    const secrets = new WorkerSecrets(this, "secrets", {
      where,
      names,
      configStore: worker.configStore,
      certificates: worker.certificates,
      recoveryWindowDays: worker.secretRecoveryWindowDays,
      kmsKeyArn: props.kmsKeyArn,
    });
    const repository = ecrRepositoryOf(worker.image);
    const roles = new EcsTaskRoles(this, "roles", {
      where,
      taskRoleName: names.taskRole,
      executionRoleName: names.executionRole,
      readerPolicy: props.readerPolicy,
      execution: {
        imageRepositoryArn:
          repository === undefined ? undefined : ecrRepositoryArn(partitionOf(repository.region), repository),
        logGroupArn: `arn:${where.partition}:logs:${where.region}:${where.account}:log-group:${names.logGroup}`,
        config: secrets.config,
        secretArns: [secrets.certificateArns.chain, secrets.certificateArns.cert, secrets.certificateArns.key],
        kmsKeyArn: props.kmsKeyArn,
      },
    });
    const service = new EcsWorkerService(this, "service", {
      names,
      region: where.region,
      worker,
      taskRoleArn: roles.taskRole.arn,
      executionRoleArn: roles.executionRole.arn,
      secretSources: {
        config: secrets.config.kind === "ssm_parameter" ? secrets.config.parameterArn : secrets.config.secretArn,
        ...secrets.certificateArns,
      },
      logKmsKeyArn: props.logKmsKeyArn,
      dependsOn: [roles.executionPolicy, roles.readerAttachment],
    });
    new WorkerAutoscaling(this, "autoscaling", {
      clusterName: service.clusterName,
      serviceName: service.service.name,
      queueNames: props.queueNames,
      scaling: worker.scaling,
    });
    this.clusterName = service.clusterName;
    this.clusterArn = service.clusterArn;
    this.serviceName = service.service.name;
    this.taskRoleArn = roles.taskRole.arn;
    this.executionRoleArn = roles.executionRole.arn;
    this.logGroupName = service.logGroup.name;
    this.configLocation = secrets.configLocation;
    this.certificateSecretArns = secrets.certificateArns;
  }
}
