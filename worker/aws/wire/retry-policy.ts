import { AwsApiError } from "./aws-api-error.ts";

/** Codes AWS services use for "slow down": retried with a longer base delay. */
const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

/** Codes that say the server, not the request, failed this time. */
const TRANSIENT = new Set([
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "InternalFailure",
  "ServiceUnavailable",
]);

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/** The clock-skew codes: retried once the signer's clock follows the server's. */
export const SKEW = new Set([
  "RequestTimeTooSkewed",
  "RequestExpired",
  "RequestInTheFuture",
  "InvalidSignatureException",
]);

export function isThrottling(error: unknown): boolean {
  return error instanceof AwsApiError && (THROTTLING.has(error.name) || error.$metadata.httpStatusCode === 429);
}

/**
 * Whether a failed attempt is worth another: throttling, a 5xx, a transient code, or a request that never got an
 * answer (reset, refused, timed out). Everything else (access denied, no such queue or key) fails the same way
 * again. An abort is the caller's own decision and never retried.
 */
export function isRetryable(error: unknown, aborted: boolean): boolean {
  if (aborted) return false;
  if (error instanceof AwsApiError) {
    return (
      THROTTLING.has(error.name) || TRANSIENT.has(error.name) || TRANSIENT_STATUS.has(error.$metadata.httpStatusCode)
    );
  }
  return true;
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): "full jitter", a random share of a ceiling that
 * doubles per attempt from 100 ms (500 ms when throttled) and stops at 20 s, as AWS's standard retry mode does.
 */
export function retryDelayMs(attempt: number, throttled: boolean, random: () => number = Math.random): number {
  const base = throttled ? 500 : 100;
  return random() * Math.min(20_000, base * 2 ** (attempt - 1));
}
