import { sleep } from "../pipeline/backoff.ts";

/** Time as the API sources see it; tests pass a fake one so paging, polling and backoff run instantly. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep };
