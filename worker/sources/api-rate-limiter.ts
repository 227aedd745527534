import type { Clock } from "./api-clock.ts";

/**
 * Spaces request starts at least `1000 / perSecond` ms apart. AWS's limits are per account and region
 * (LookupEvents: 2 requests/s), so every source of the process that calls the same API in the same region
 * shares one limiter: being conservative costs a little speed, exceeding costs throttling errors.
 */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #next = 0;

  constructor(perSecond: number, clock: Clock) {
    this.#intervalMs = 1000 / perSecond;
    this.#clock = clock;
  }

  /** Waits for this caller's turn. Turns are handed out in call order, so concurrent callers queue fairly. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    const slot = Math.max(now, this.#next);
    this.#next = slot + this.#intervalMs;
    if (slot > now) await this.#clock.sleep(slot - now, signal);
  }
}

const shared = new Map<string, RateLimiter>();

/** The process-wide limiter of one API in one region (and account, when the caller knows it). */
export function sharedRateLimiter(key: string, perSecond: number, clock: Clock): RateLimiter {
  let limiter = shared.get(key);
  if (limiter === undefined) {
    limiter = new RateLimiter(perSecond, clock);
    shared.set(key, limiter);
  }
  return limiter;
}
