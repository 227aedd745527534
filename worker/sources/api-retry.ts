import type { Logger } from "pino";
import { backoffDelay } from "../pipeline/backoff.ts";
import type { Clock } from "./api-clock.ts";

export interface RetryContext {
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  /** `<input>/<service>/<region>`, named in every log line and error. */
  sourceId: string;
  /** With `untilIdle` a run must end: give up after this many consecutive failures. Undefined: never give up. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface RetryOptions {
  /** Errors that retrying cannot fix and the caller handles (a log group that does not exist). */
  fatal?: (error: unknown) => boolean;
}

/** Thrown when the worker is stopping; callers end quietly. */
export class Stopped extends Error {
  constructor() {
    super("stopped");
    this.name = "Stopped";
  }
}

/** The AWS error's name and HTTP status, for logs; never the request (which may carry a signature). */
export function describeAwsError(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? "Error"}${status !== undefined ? ` (HTTP ${status})` : ""}: ${e?.message ?? String(error)}`;
}

/**
 * Calls `call` until it succeeds. The SDK already retried throttling and transient errors a few times with its
 * own short backoff; failures that get here (a long throttling episode, expired credentials being refreshed, an
 * outage, a missing permission) are waited out with capped exponential backoff and logged, because an API
 * source has nothing better to do than try again: its cursor is safe on disk.
 */
export async function withRetries<T>(
  what: string,
  call: () => Promise<T>,
  ctx: RetryContext,
  options: RetryOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal.aborted) throw new Stopped();
    try {
      return await call();
    } catch (error) {
      if (ctx.signal.aborted) throw new Stopped();
      if (options.fatal?.(error)) throw error;
      const detail = describeAwsError(error);
      if (ctx.maxAttempts !== undefined && attempt >= ctx.maxAttempts) {
        throw new Error(`${ctx.sourceId}: ${what} failed ${attempt} times; last error ${detail}`);
      }
      const delay = backoffDelay(attempt, ctx.baseDelayMs ?? 1000, ctx.maxDelayMs ?? 300_000);
      ctx.logger.warn({ source: ctx.sourceId, attempt, retryInMs: delay, err: detail }, `${what} failed; retrying`);
      await ctx.clock.sleep(delay, ctx.signal);
    }
  }
}
