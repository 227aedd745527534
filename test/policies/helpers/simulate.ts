import { runSimulation } from "@cloud-copilot/iam-simulate";

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface Request {
  /** A role/user ARN, or a service principal such as `s3.amazonaws.com`. */
  principal: string;
  action: string;
  resource: string;
  /** Account owning the resource. */
  resourceAccount: string;
  context?: Record<string, string | string[]>;
  /** Identity policies of the principal. */
  identityPolicies?: unknown[];
  resourcePolicy?: unknown;
}

/**
 * Runs AWS's authorization logic (as modelled by @cloud-copilot/iam-simulate, with AWS's action and condition-key
 * catalog) on one request. Requests are always made over TLS unless the context says otherwise. A simulation that
 * cannot run (an invalid policy, an action unknown to AWS, a resource of the wrong type) fails the test instead of
 * reading as a denial.
 */
export async function decide(request: Request): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: { "aws:SecureTransport": "true", ...request.context },
      },
      identityPolicies: (request.identityPolicies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    { simulationMode: "Strict" },
  );
  if (result.resultType === "error") {
    throw new Error(
      `simulation could not run for ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  if (result.resultType === "wildcard") throw new Error(`resource ${request.resource} was read as a wildcard`);
  return result.overallResult as Decision;
}
