import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** Refresh this long before expiry, so no request is signed with credentials about to die in flight. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * One identity for every request until it nears its expiry; concurrent callers during a refresh share one call
 * of the provider. A failed refresh is not cached: the next request asks again.
 */
export function memoizeCredentials(
  provider: AwsCredentialIdentityProvider,
  now: () => number = Date.now,
): () => Promise<AwsCredentialIdentity> {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    const expires = current?.expiration?.getTime();
    if (current !== undefined && (expires === undefined || expires - now() > REFRESH_MARGIN_MS)) return current;
    pending ??= Promise.resolve(provider()).then(
      (identity) => {
        current = identity;
        pending = undefined;
        return identity;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return await pending;
  };
}
