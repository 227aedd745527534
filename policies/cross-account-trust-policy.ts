import { externalIdProblem } from "./external-id.ts";
import { PolicyBuildError, type PolicyDocument, policyDocument } from "./policy-document.ts";

/** An IAM role ARN in any partition, with an optional path. Account roots and wildcards are not roles. */
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

export interface CrossAccountTrust {
  /** The one role allowed to assume ours (Devo's `devo-xaccount-cs-role` by default). */
  trustedRoleArn: string;
  /**
   * The ExternalId the caller must pass. Either a literal (checked against STS's rule here) or a value that only
   * exists at deploy time (a generated id), which the caller vouches for with `externalIdKnownAtDeploy`.
   */
  externalId: string;
  externalIdKnownAtDeploy?: boolean;
}

/**
 * Trust policy of the cross-account reader role: exactly one role ARN (never an account root, which would let
 * every principal of that account in) and `StringEquals sts:ExternalId`, which refuses a missing or different id.
 */
export function buildCrossAccountTrustPolicy(trust: CrossAccountTrust): PolicyDocument {
  const name = "cross-account trust policy";
  if (!ROLE_ARN.test(trust.trustedRoleArn)) {
    throw new PolicyBuildError(
      name,
      `trusted principal must be one IAM role ARN, got ${JSON.stringify(trust.trustedRoleArn)}`,
    );
  }
  if (!trust.externalIdKnownAtDeploy) {
    const problem = externalIdProblem(trust.externalId);
    if (problem !== undefined) throw new PolicyBuildError(name, problem);
  }
  return policyDocument(name, "trust", [
    {
      Sid: "AllowTrustedRoleWithExternalId",
      Effect: "Allow",
      Principal: { AWS: trust.trustedRoleArn },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "sts:ExternalId": trust.externalId } },
    },
  ]);
}
