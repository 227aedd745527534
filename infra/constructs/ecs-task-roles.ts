import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import type { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { Construct } from "constructs";
import type { AccountRegion } from "../../policies/arns.ts";
import { buildEcsExecutionPolicy, type ExecutionGrant } from "../../policies/ecs-execution-policy.ts";
import { buildEcsTaskTrustPolicy } from "../../policies/ecs-task-trust-policy.ts";
import { terraformJson } from "../terraform-json.ts";
import type { ReaderPolicy } from "./reader-policy.ts";

export interface EcsTaskRolesProps {
  where: AccountRegion;
  taskRoleName: string;
  executionRoleName: string;
  /** The same managed policy the cross-account role or a self-hosted worker role holds. */
  readerPolicy: ReaderPolicy;
  execution: Omit<ExecutionGrant, "where">;
}

/**
 * The worker task's two roles. The task role is what the worker's code runs as: it holds the pipeline's reader
 * policy and nothing else. The execution role is what ECS uses to start the task: pull the image, write logs and
 * read the secrets, never the queues or objects.
 */
export class EcsTaskRoles extends Construct {
  readonly taskRole: IamRole;
  readonly executionRole: IamRole;
  readonly executionPolicy: IamRolePolicy;
  readonly readerAttachment: IamRolePolicyAttachment;

  constructor(scope: Construct, id: string, props: EcsTaskRolesProps) {
    super(scope, id);
    this.taskRole = new IamRole(this, "task-role", {
      name: props.taskRoleName,
      description: "aws-devo-collector ECS tasks: read the log pipeline's queues and objects",
      assumeRolePolicy: terraformJson(buildEcsTaskTrustPolicy(props.where, { boundToAccount: true })),
    });
    this.readerAttachment = props.readerPolicy.attachToRole("attach-to-worker-task-role", this.taskRole.name);

    this.executionRole = new IamRole(this, "execution-role", {
      name: props.executionRoleName,
      description: "aws-devo-collector ECS tasks: pull the image, write logs, read the worker's secrets",
      assumeRolePolicy: terraformJson(buildEcsTaskTrustPolicy(props.where, { boundToAccount: false })),
    });
    this.executionPolicy = new IamRolePolicy(this, "execution-policy", {
      name: "start-worker-task",
      role: this.executionRole.name,
      policy: terraformJson(buildEcsExecutionPolicy({ where: props.where, ...props.execution })),
    });
  }
}
