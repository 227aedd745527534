import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { Construct } from "constructs";
import { buildCrossAccountTrustPolicy, type CrossAccountTrust } from "../../policies/cross-account-trust-policy.ts";
import { terraformJson } from "../terraform-json.ts";
import type { ReaderPolicy } from "./reader-policy.ts";

export interface CrossAccountRoleProps extends CrossAccountTrust {
  roleName: string;
  /** The permissions of whoever assumes the role. */
  readerPolicy: ReaderPolicy;
  maxSessionDurationSeconds?: number;
}

/**
 * The role a hosted collector assumes: trusted by one role ARN, only with the exact ExternalId, holding nothing
 * but the reader policy.
 */
export class CrossAccountRole extends Construct {
  readonly role: IamRole;
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: CrossAccountRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: "Assumed by the log collector to read the pipeline's queues and objects",
      assumeRolePolicy: terraformJson(buildCrossAccountTrustPolicy(props)),
      maxSessionDuration: props.maxSessionDurationSeconds ?? 3600,
    });
    this.roleArn = this.role.arn;
    props.readerPolicy.attachToRole(`attach-to-${id}`, this.role.name);
  }
}
