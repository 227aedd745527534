import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";

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

/** The simulation of one request, its resource policy left to the caller. */
function simulationOf(request: Request) {
  return {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: { "aws:SecureTransport": "true", ...request.context },
    },
    identityPolicies: (request.identityPolicies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
}

/**
 * Runs AWS's authorization logic (as modelled by @cloud-copilot/iam-simulate, with AWS's action and condition-key
 * catalog) on one request. Requests are always made over TLS unless the context says otherwise. A simulation that
 * cannot run (an invalid policy, an action unknown to AWS, a resource of the wrong type) fails the test instead of
 * reading as a denial.
 */
export async function decide(request: Request): Promise<Decision> {
  const result = await runSimulation(
    { ...simulationOf(request), resourcePolicy: request.resourcePolicy },
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

/**
 * `decide` for requests whose context carries keys with a variable part after a colon, such as CloudTrail's
 * `kms:EncryptionContext:aws:cloudtrail:arn`. iam-simulate's checked entry point drops those keys from the request
 * (it matches a variable part only after a `/`) and reports them as ignored, so a condition on them can never hold.
 * Its unchecked entry point evaluates the request's context as given; it is run here only after the checked one has
 * accepted the same policies and action, and the checked one must have ignored nothing but such keys.
 */
export async function decideWithEncryptionContext(request: Request): Promise<Decision> {
  const simulation = simulationOf(request);
  const checked = await runSimulation(
    { ...simulation, resourcePolicy: request.resourcePolicy },
    { simulationMode: "Strict" },
  );
  if (checked.resultType !== "single") {
    throw new Error(
      `simulation could not run for ${request.action} on ${request.resource}: ${JSON.stringify(checked)}`,
    );
  }
  const ignored = checked.result.ignoredContextKeys ?? [];
  const unexpected = ignored.filter((key) => !/^kms:EncryptionContext:/i.test(key));
  if (unexpected.length > 0) throw new Error(`context keys unknown to ${request.action}: ${unexpected.join(", ")}`);
  // The unchecked entry point names the resource policy in its analysis from the metadata of a validated policy;
  // given a bare document it fails reading that name.
  const resourcePolicy =
    request.resourcePolicy === undefined
      ? undefined
      : {
          __validated: true,
          policyDocument: request.resourcePolicy,
          metadata: { name: "resource-policy" },
          errors: [],
        };
  return runUnsafeSimulation({ ...simulation, resourcePolicy }, { simulationMode: "Strict" }) as Decision;
}
