import type { AssumeRoleCommandOutput, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { Logger } from "pino";
import type { AwsCredentialsConfig } from "../config/credentials-schema.ts";
import { SDK_RETRY, sdkRequestHandler } from "./clients.ts";
import { defaultCredentialChain, profileCredentials } from "./lazy-credentials.ts";
import { memoizeCredentials } from "./memoize-credentials.ts";

export interface CredentialProviderOptions {
  /** Region of the STS endpoint (regional STS: works in opt-in regions and keeps traffic in the region). */
  region: string;
  /** Same endpoint override as every other client of the input (emulators, VPC endpoints). */
  endpointUrl?: string;
  /** The input's `use_fips_endpoint` / `use_dualstack_endpoint`; unset, the SDK reads AWS_USE_*_ENDPOINT itself. */
  useFipsEndpoint?: boolean;
  useDualstackEndpoint?: boolean;
  logger?: Logger;
  /** `RoleSessionName` of the assumed sessions, visible in the customer's CloudTrail. */
  sessionName?: string;
  /** Requested session length; role chaining caps it at one hour anyway. */
  sessionSeconds?: number;
  /** Refresh this long before a session expires, so no request is ever signed with a dying session. */
  refreshMarginMs?: number;
  /** Clock seam for tests. */
  now?: () => number;
  /** STS request timeouts; SDK_TIMEOUTS unless a test sets shorter ones. */
  timeouts?: { connectionTimeout: number; requestTimeout: number };
}

const DEFAULT_SESSION_SECONDS = 3600;
const DEFAULT_SESSION_NAME = "devo-collector";

/**
 * Builds the credential provider of one input from its normalized `credentials`:
 *
 *   static keys | profile | SDK default chain  →  [base_assume_role]  →  [target_assume_role + ExternalId]
 *
 * which is Devo's cross-account pattern: Devo's own role (`base_assume_role`) assumes the customer's role
 * (`target_assume_role`), and the customer's trust policy demands the ExternalId.
 *
 * Returns `undefined` when nothing is configured, so clients fall back to the SDK's default chain
 * (environment, SSO / shared config, ECS task role, EC2 instance profile) with its own caching.
 *
 * We assume roles with our own small cache instead of `fromTemporaryCredentials` because that helper calls STS
 * through an internal nested client that tests cannot observe; here the STS client is the public one, so the
 * tests see each AssumeRole (and its ExternalId), and the refresh rule is ours and tested.
 */
export function createCredentialProvider(
  creds: AwsCredentialsConfig | undefined,
  options: CredentialProviderOptions,
): AwsCredentialIdentityProvider | undefined {
  if (creds === undefined) return undefined;
  const secrets = new SecretRegistry();
  let provider: AwsCredentialIdentityProvider | undefined;
  if (creds.accessKeyId !== undefined && creds.secretAccessKey !== undefined) {
    secrets.add(creds.secretAccessKey);
    secrets.add(creds.sessionToken);
    const identity: AwsCredentialIdentity = {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken !== undefined ? { sessionToken: creds.sessionToken } : {}),
    };
    provider = async () => identity;
  } else if (creds.profile !== undefined) {
    provider = profileCredentials(creds.profile);
  }
  if (creds.targetRoleArn === undefined) return provider;

  // Role assumption needs a first identity even when none is configured: the default chain provides it.
  const master = provider ?? defaultCredentialChain();
  const base =
    creds.baseRoleArn !== undefined
      ? assumeRoleProvider(creds.baseRoleArn, undefined, master, options, secrets)
      : master;
  return assumeRoleProvider(creds.targetRoleArn, creds.externalId, base, options, secrets);
}

/** Secret values this input knows about (static secret, session tokens), removed from any error text. */
class SecretRegistry {
  readonly #values = new Set<string>();
  add(value: string | undefined): void {
    if (value !== undefined && value.length >= 4) this.#values.add(value);
  }
  scrub(text: string): string {
    let out = text;
    for (const value of this.#values) out = out.split(value).join("***");
    return out;
  }
}

function assumeRoleProvider(
  roleArn: string,
  externalId: string | undefined,
  master: AwsCredentialIdentityProvider,
  options: CredentialProviderOptions,
  secrets: SecretRegistry,
): AwsCredentialIdentityProvider {
  // The SDK's STS client is imported at the first assumption, not with this module (see lazy-credentials.ts).
  let sts: STSClient | undefined;
  async function assume(): Promise<AwsCredentialIdentity> {
    const sdk = await import("@aws-sdk/client-sts");
    sts ??= new sdk.STSClient({
      region: options.region,
      endpoint: options.endpointUrl,
      ...(options.useFipsEndpoint === undefined ? {} : { useFipsEndpoint: options.useFipsEndpoint }),
      ...(options.useDualstackEndpoint === undefined ? {} : { useDualstackEndpoint: options.useDualstackEndpoint }),
      credentials: master,
      requestHandler: sdkRequestHandler(options.timeouts),
      ...SDK_RETRY,
    });
    let response: AssumeRoleCommandOutput;
    try {
      response = await sts.send(
        new sdk.AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: options.sessionName ?? DEFAULT_SESSION_NAME,
          DurationSeconds: options.sessionSeconds ?? DEFAULT_SESSION_SECONDS,
          ...(externalId !== undefined ? { ExternalId: externalId } : {}),
        }),
      );
    } catch (error) {
      throw describeStsError(roleArn, error, secrets);
    }
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error(`AssumeRole ${roleArn}: STS answered without credentials`);
    }
    secrets.add(c.SecretAccessKey);
    secrets.add(c.SessionToken);
    const identity: AwsCredentialIdentity = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      ...(c.Expiration !== undefined ? { expiration: new Date(c.Expiration) } : {}),
    };
    options.logger?.info(
      { roleArn, expiration: identity.expiration?.toISOString(), externalId: externalId !== undefined },
      "assumed role",
    );
    return identity;
  }

  return memoizeCredentials(assume, {
    now: options.now,
    refreshMarginMs: options.refreshMarginMs,
    onRefreshFailed: (error) =>
      options.logger?.warn({ roleArn, err: error }, "refreshing the role session failed; keeping the current one"),
  });
}

/** An error that names the role and the cause and carries no secret (no `cause` chain with raw responses). */
function describeStsError(roleArn: string, error: unknown, secrets: SecretRegistry): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const detail = [
    e.name ?? "Error",
    status !== undefined ? `HTTP ${status}` : undefined,
    requestId !== undefined ? `request ${requestId}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(", ");
  const message = secrets.scrub(`AssumeRole ${roleArn} failed (${detail}): ${e.message ?? String(error)}`);
  const wrapped = new Error(message);
  wrapped.name = "AssumeRoleError";
  return wrapped;
}

const SECRET_KEYS = new Set([
  "access_secret",
  "aws_secret_access_key",
  "session_token",
  "aws_session_token",
  "secretAccessKey",
  "sessionToken",
]);

/**
 * A copy of a credentials block (raw config or normalized) that is safe to log: secrets become `***`, the access
 * key id keeps its first four characters (enough to tell keys apart, useless to an attacker).
 */
export function redactCredentials(creds: object | null | undefined): Record<string, unknown> | undefined {
  if (creds === null || creds === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(creds)) {
    if (value === undefined || value === null || value === "") continue;
    if (SECRET_KEYS.has(key)) out[key] = "***";
    else if (key === "access_key" || key === "aws_access_key_id" || key === "accessKeyId")
      out[key] = typeof value === "string" ? `${value.slice(0, 4)}***` : "***";
    else out[key] = value;
  }
  return out;
}
