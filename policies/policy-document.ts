/**
 * The shape of an IAM / resource policy document, and the one constructor every builder in `policies/` goes
 * through. Keeping the checks here means no builder can hand infra a document that AWS would reject, or one
 * that breaks the HCL that cdktf renders (its renderer copies strings into HCL without escaping `"` or `\`).
 */

export type Effect = "Allow" | "Deny";

/** Principals are always named: a wildcard principal only ever appears on Deny statements (see {@link statement}). */
export type Principal = "*" | { AWS?: string | string[]; Service?: string | string[] };

export type ConditionOperator =
  | "StringEquals"
  | "StringNotEquals"
  | "StringLike"
  | "ArnEquals"
  | "ArnLike"
  | "Bool"
  | "NumericLessThan";

export type Condition = Partial<Record<ConditionOperator, Record<string, string | string[]>>>;

export interface PolicyStatement {
  Sid: string;
  Effect: Effect;
  Principal?: Principal;
  Action: string | string[];
  /** Absent only in trust policies, where IAM refuses it. */
  Resource?: string | string[];
  Condition?: Condition;
}

/**
 * What a document is attached to decides which elements it must have: identity policies name resources but no
 * principal; resource policies (bucket, queue, topic, key) name both; trust policies name a principal and no
 * resource (IAM rejects a trust policy with `Resource`).
 */
export type PolicyKind = "identity" | "resource" | "trust";

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export class PolicyBuildError extends Error {
  constructor(policy: string, message: string) {
    super(`${policy}: ${message}`);
    this.name = "PolicyBuildError";
  }
}

/** IAM accepts only ASCII letters and digits in a Sid (identity policies reject anything else). */
const SID = /^[A-Za-z0-9]{1,100}$/;
/** Characters that would break cdktf's HCL output or that a policy string never needs. */
const UNSAFE = /["\\\u0000-\u001f\u007f]/;

function checkText(policy: string, where: string, value: string): void {
  if (value.length === 0) throw new PolicyBuildError(policy, `${where} is empty`);
  if (UNSAFE.test(value)) {
    throw new PolicyBuildError(
      policy,
      `${where} contains a quote, backslash or control character: ${JSON.stringify(value)}`,
    );
  }
}

function checkTexts(policy: string, where: string, value: string | string[]): void {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new PolicyBuildError(policy, `${where} is an empty list`);
  values.forEach((v, i) => {
    checkText(policy, Array.isArray(value) ? `${where}[${i}]` : where, v);
  });
}

const ACCOUNT_ROOT = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:root$/;

/**
 * AWS's default key-policy statement, `kms:*` for the key's own account root, does not grant anything by itself:
 * it hands the key's use over to IAM policies in that account. It is the one wildcard action we accept.
 */
function isKeyDelegation(s: PolicyStatement): boolean {
  return (
    s.Action === "kms:*" &&
    s.Resource === "*" &&
    s.Condition === undefined &&
    typeof s.Principal === "object" &&
    s.Principal.Service === undefined &&
    typeof s.Principal.AWS === "string" &&
    ACCOUNT_ROOT.test(s.Principal.AWS)
  );
}

/**
 * Builds a document from statements, checking what AWS and our HCL output need: unique alphanumeric Sids,
 * non-empty actions and resources, no `*` action, and wildcard principals only where they deny.
 */
export function policyDocument(
  policy: string,
  kind: PolicyKind,
  statements: readonly PolicyStatement[],
): PolicyDocument {
  if (statements.length === 0) throw new PolicyBuildError(policy, "a policy needs at least one statement");
  const sids = new Set<string>();
  for (const s of statements) {
    if (!SID.test(s.Sid))
      throw new PolicyBuildError(policy, `Sid ${JSON.stringify(s.Sid)} must be 1-100 letters or digits`);
    if (sids.has(s.Sid)) throw new PolicyBuildError(policy, `Sid ${s.Sid} is used twice`);
    sids.add(s.Sid);
    const where = `statement ${s.Sid}`;
    checkTexts(policy, `${where} Action`, s.Action);
    if (kind === "trust") {
      if (s.Resource !== undefined) throw new PolicyBuildError(policy, `${where}: a trust policy takes no Resource`);
    } else {
      if (s.Resource === undefined) throw new PolicyBuildError(policy, `${where} names no Resource`);
      checkTexts(policy, `${where} Resource`, s.Resource);
    }
    if (kind === "identity" && s.Principal !== undefined) {
      throw new PolicyBuildError(policy, `${where}: an identity policy takes no Principal`);
    }
    if (kind !== "identity" && s.Principal === undefined) {
      throw new PolicyBuildError(policy, `${where} names no Principal`);
    }
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    if (s.Effect === "Allow" && actions.some((a) => a === "*" || a.endsWith(":*")) && !isKeyDelegation(s)) {
      throw new PolicyBuildError(policy, `${where} allows a wildcard action; name each action`);
    }
    if (s.Principal !== undefined) {
      if (s.Principal === "*") {
        if (s.Effect === "Allow") throw new PolicyBuildError(policy, `${where} allows every principal`);
      } else {
        const named = [s.Principal.AWS ?? [], s.Principal.Service ?? []].flat();
        if (named.length === 0) throw new PolicyBuildError(policy, `${where} names no principal`);
        checkTexts(policy, `${where} Principal`, named);
        if (s.Effect === "Allow" && named.includes("*")) {
          throw new PolicyBuildError(policy, `${where} allows every principal`);
        }
      }
    }
    for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
      for (const [key, value] of Object.entries(keys ?? {})) {
        checkText(policy, `${where} Condition ${operator}`, key);
        checkTexts(policy, `${where} Condition ${operator} ${key}`, value);
      }
    }
  }
  return { Version: "2012-10-17", Statement: statements.map((s) => ({ ...s })) };
}

/** A single value stays a string (the form AWS shows back); several become a sorted, de-duplicated list. */
export function oneOrMany(values: readonly string[]): string | string[] {
  const unique = [...new Set(values)];
  return unique.length === 1 ? unique[0] : unique.sort();
}
