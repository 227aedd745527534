import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

export interface MemoizeCredentialsOptions {
  /** Refresh this long before expiry, so no request is signed with credentials about to die in flight. */
  refreshMarginMs?: number;
  /** Called when a refresh fails while the current identity is still valid, and that identity is kept. */
  onRefreshFailed?: (error: unknown) => void;
  /** Clock seam for tests. */
  now?: () => number;
}

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * One identity for every request until it nears its expiry; concurrent callers during a refresh share one call
 * of the provider. A refresh that fails inside the margin is not fatal yet: the current identity still signs until
 * it really expires, and the next call asks again. A failure is never cached.
 */
export function memoizeCredentials(
  provider: AwsCredentialIdentityProvider,
  options: MemoizeCredentialsOptions = {},
): () => Promise<AwsCredentialIdentity> {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const validFor = (identity: AwsCredentialIdentity, ms: number) =>
    identity.expiration === undefined || identity.expiration.getTime() - now() > ms;
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    if (current !== undefined && validFor(current, margin)) return current;
    pending ??= Promise.resolve(provider())
      .then((identity) => {
        current = identity;
        return identity;
      })
      .finally(() => {
        pending = undefined;
      });
    try {
      return await pending;
    } catch (error) {
      if (current === undefined || !validFor(current, 0)) throw error;
      options.onRefreshFailed?.(error);
      return current;
    }
  };
}
