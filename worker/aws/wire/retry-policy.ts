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

/** Codes AWS answers with when the request took too long on the way: a retry costs a timeout's share. */
const TIMEOUT_CODES = new Set(["RequestTimeout", "RequestTimeoutException"]);

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * Transport failures worth another attempt: the connection was reset, refused, cut or timed out, the network was
 * unreachable for a moment, or DNS failed temporarily (EAI_AGAIN). Not here, so never retried: a TLS certificate
 * error (the same certificate comes back), a name that does not exist (ENOTFOUND: NXDOMAIN), and programming
 * errors (TypeError, invalid arguments), which fail the same way every time.
 */
const TRANSIENT_NETWORK = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** A request or body with no byte for the idle timeout: retried, and costs the quota a timeout's share. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  readonly code = "ETIMEDOUT";
}

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

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Whether a failed attempt is worth another: throttling, a 5xx, a transient code, or a transport failure of
 * {@link TRANSIENT_NETWORK}. Everything else (access denied, no such queue or key, a bad certificate, a host that
 * does not exist, a bug) fails the same way again. An abort is the caller's own decision and never retried.
 */
export function isRetryable(error: unknown, aborted: boolean): boolean {
  if (aborted) return false;
  if (error instanceof AwsApiError) {
    return (
      THROTTLING.has(error.name) || TRANSIENT.has(error.name) || TRANSIENT_STATUS.has(error.$metadata.httpStatusCode)
    );
  }
  if (error instanceof TimeoutError) return true;
  const code = codeOf(error);
  return code !== undefined && TRANSIENT_NETWORK.has(code);
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): "full jitter", a random share of a ceiling that
 * doubles per attempt from 100 ms (500 ms when throttled) and stops at 20 s, as AWS's standard retry mode does.
 */
export function retryDelayMs(attempt: number, throttled: boolean, random: () => number = Math.random): number {
  const base = throttled ? 500 : 100;
  return random() * Math.min(20_000, base * 2 ** (attempt - 1));
}

/** The standard mode's numbers (AWS SDKs and Tools reference guide, "Retry behavior"). */
export const RETRY_QUOTA = { initial: 500, retryCost: 5, timeoutCost: 10, noRetryIncrement: 1 } as const;

/** What a retry after `error` takes from the quota: a timeout's share for timeouts, the plain cost otherwise. */
export function retryCost(error: unknown): number {
  const timedOut =
    error instanceof TimeoutError ||
    codeOf(error) === "ETIMEDOUT" ||
    (error instanceof AwsApiError && TIMEOUT_CODES.has(error.name));
  return timedOut ? RETRY_QUOTA.timeoutCost : RETRY_QUOTA.retryCost;
}

/**
 * The standard mode's retry quota, one per client: every retry takes its cost from a bucket of 500 tokens, and a
 * call that succeeds gives back what its last retry took (or 1 token when it needed none), up to 500. During an
 * outage the bucket empties after 100 retries (50 after timeouts) and calls then fail at their first attempt,
 * instead of multiplying every call by five; the first successes fill it again.
 */
export class RetryQuota {
  #capacity: number = RETRY_QUOTA.initial;

  get capacity(): number {
    return this.#capacity;
  }

  /** Takes `cost` for one retry; false (nothing taken) when the quota cannot pay it. */
  take(cost: number): boolean {
    if (this.#capacity < cost) return false;
    this.#capacity -= cost;
    return true;
  }

  /** A call succeeded: `lastRetryCost` is what its last retry took, undefined when it needed no retry. */
  succeeded(lastRetryCost: number | undefined): void {
    this.#capacity = Math.min(RETRY_QUOTA.initial, this.#capacity + (lastRetryCost ?? RETRY_QUOTA.noRetryIncrement));
  }
}
