import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy/index.js";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js";
import { Construct } from "constructs";
import { buildReaderPolicy, type ReaderGrant } from "../../policies/reader-policy.ts";
import { terraformJson } from "../terraform-json.ts";

export interface ReaderPolicyProps extends ReaderGrant {
  name: string;
  description?: string;
}

/**
 * The collector's least-privilege permissions as a managed policy, attachable to any role: the cross-account
 * role Devo assumes, our worker's ECS task role, or an instance role.
 */
export class ReaderPolicy extends Construct {
  readonly policy: IamPolicy;
  readonly policyArn: string;

  constructor(scope: Construct, id: string, props: ReaderPolicyProps) {
    super(scope, id);
    this.policy = new IamPolicy(this, "policy", {
      name: props.name,
      description: props.description ?? "Read the log pipeline's queues and objects (receive, delete, get object)",
      policy: terraformJson(buildReaderPolicy(props)),
    });
    this.policyArn = this.policy.arn;
  }

  /** Attaches the policy to a role by name; `id` must be unique among this policy's attachments. */
  attachToRole(id: string, roleName: string): IamRolePolicyAttachment {
    return new IamRolePolicyAttachment(this, id, { role: roleName, policyArn: this.policy.arn });
  }
}
