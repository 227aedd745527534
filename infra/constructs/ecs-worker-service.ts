import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group/index.js";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster/index.js";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service/index.js";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition/index.js";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group/index.js";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { terraformJson } from "../terraform-json.ts";
import type { EcsWorkerConfig } from "../worker-config.ts";
import type { WorkerNames } from "../worker-names.ts";
import { type WorkerContainerProps, workerContainerDefinition } from "./worker-container.ts";

export interface EcsWorkerServiceProps {
  names: WorkerNames;
  region: string;
  worker: EcsWorkerConfig;
  taskRoleArn: string;
  executionRoleArn: string;
  secretSources: WorkerContainerProps["secretSources"];
  /** The pipeline key for the log group, when the key's policy admits CloudWatch Logs. */
  logKmsKeyArn?: string;
  /** What must exist before a task starts (the execution role's policy, the task role's reader policy). */
  dependsOn: ITerraformDependable[];
}

const STATE_VOLUME = "state";

/**
 * The worker's Fargate service: cluster (created, or the one given), log group, egress-only security group
 * (unless groups are given), task definition and service. Deployments replace tasks one by one (never below the
 * desired count) and roll back on their own when new tasks keep failing.
 */
export class EcsWorkerService extends Construct {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly service: EcsService;
  readonly logGroup: CloudwatchLogGroup;
  readonly taskDefinition: EcsTaskDefinition;

  constructor(scope: Construct, id: string, props: EcsWorkerServiceProps) {
    super(scope, id);
    const { names, worker } = props;
    if (worker.clusterArn === undefined) {
      const cluster = new EcsCluster(this, "cluster", {
        name: names.cluster,
        // RunningTaskCount, the scaling policy's denominator, is a Container Insights metric.
        setting: [{ name: "containerInsights", value: worker.containerInsights ? "enabled" : "disabled" }],
      });
      this.clusterName = cluster.name;
      this.clusterArn = cluster.arn;
    } else {
      this.clusterArn = worker.clusterArn;
      this.clusterName = worker.clusterArn.split("/").slice(-1)[0];
    }

    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: names.logGroup,
      retentionInDays: worker.logRetentionDays,
      ...(props.logKmsKeyArn === undefined ? {} : { kmsKeyId: props.logKmsKeyArn }),
    });

    let securityGroupIds = worker.securityGroupIds;
    if (securityGroupIds === undefined) {
      const group = new SecurityGroup(this, "security-group", {
        name: names.securityGroup,
        description: "aws-devo-collector worker tasks: no inbound; HTTPS out to AWS APIs and Devo",
        vpcId: worker.vpcId,
      });
      new VpcSecurityGroupEgressRule(this, "https-out", {
        securityGroupId: group.id,
        description: "HTTPS to AWS APIs (SQS, S3, ECR, Secrets Manager, logs) and Devo's collector on 443",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      });
      securityGroupIds = [group.id];
    }

    this.taskDefinition = new EcsTaskDefinition(this, "task-definition", {
      family: names.taskFamily,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(worker.cpu),
      memory: String(worker.memory),
      runtimePlatform: {
        operatingSystemFamily: "LINUX",
        cpuArchitecture: worker.architecture === "arm64" ? "ARM64" : "X86_64",
      },
      taskRoleArn: props.taskRoleArn,
      executionRoleArn: props.executionRoleArn,
      volume: [{ name: STATE_VOLUME }],
      containerDefinitions: terraformJson([
        workerContainerDefinition({
          image: worker.image,
          stopTimeoutSeconds: worker.stopTimeoutSeconds,
          logGroupName: this.logGroup.name,
          region: props.region,
          secretSources: props.secretSources,
          stateVolumeName: STATE_VOLUME,
        }),
      ]),
    });

    this.service = new EcsService(this, "service", {
      name: names.service,
      cluster: this.clusterArn,
      taskDefinition: this.taskDefinition.arn,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: worker.scaling.minTasks,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      networkConfiguration: {
        subnets: worker.subnetIds,
        securityGroups: securityGroupIds,
        assignPublicIp: worker.assignPublicIp,
      },
      propagateTags: "SERVICE",
      enableExecuteCommand: false,
      dependsOn: props.dependsOn,
      // Application Auto Scaling owns the task count after the first apply.
      lifecycle: { ignoreChanges: ["desired_count"] },
    });
  }
}
