import type { AccountRegion } from "./arns.ts";
import { type PolicyDocument, type PolicyStatement, policyDocument } from "./policy-document.ts";

export const ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com";

/**
 * Trust policy of a role that ECS tasks use. With `boundToAccount`, ECS may assume the role only for tasks of this
 * account and Region (`aws:SourceAccount` and `aws:SourceArn`, as the ECS guide recommends for task roles against
 * the confused deputy). The task execution role is trusted without them: ECS's guide gives its trust policy
 * without conditions, and a condition ECS does not send would stop every task from starting.
 */
export function buildEcsTaskTrustPolicy(where: AccountRegion, options: { boundToAccount: boolean }): PolicyDocument {
  const statement: PolicyStatement = {
    Sid: "EcsTasksAssumeRole",
    Effect: "Allow",
    Principal: { Service: ECS_TASKS_SERVICE },
    Action: "sts:AssumeRole",
  };
  if (options.boundToAccount) {
    statement.Condition = {
      StringEquals: { "aws:SourceAccount": where.account },
      ArnLike: { "aws:SourceArn": `arn:${where.partition}:ecs:${where.region}:${where.account}:*` },
    };
  }
  return policyDocument("ECS task trust policy", "trust", [statement]);
}
