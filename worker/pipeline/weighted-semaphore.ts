/**
 * A budget of units (work slots, bytes) shared by concurrent tasks. `acquire` waits until the units are free;
 * a request larger than the whole budget is granted once everything else is released, so it cannot deadlock.
 * Waiters are served in order, so a large request is not starved by a stream of small ones.
 */
export class WeightedSemaphore {
  readonly #capacity: number;
  #used = 0;
  readonly #waiters: { units: number; resolve(): void }[] = [];

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new Error(`semaphore capacity must be positive, got ${capacity}`);
    this.#capacity = capacity;
  }

  get used(): number {
    return this.#used;
  }

  /** Units that an `acquire` could take at once now (none while others wait: they are served first). */
  get available(): number {
    return this.#waiters.length > 0 ? 0 : Math.max(0, this.#capacity - this.#used);
  }

  acquire(units = 1): Promise<void> {
    const wanted = Math.min(units, this.#capacity);
    if (this.#waiters.length === 0 && this.#used + wanted <= this.#capacity) {
      this.#used += wanted;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push({ units: wanted, resolve }));
  }

  release(units = 1): void {
    this.#used -= Math.min(units, this.#capacity);
    while (this.#waiters.length > 0 && this.#used + this.#waiters[0].units <= this.#capacity) {
      const next = this.#waiters.shift()!;
      this.#used += next.units;
      next.resolve();
    }
  }
}
