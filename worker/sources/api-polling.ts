import type { Logger } from "pino";
import type { DevoEvent } from "../pipeline/event.ts";
import type * as z from "../runtime/zod.ts";
import type { StateKey, StateStore } from "../state/state-store.ts";
import { type Clock, systemClock } from "./api-clock.ts";
import { deliverPage } from "./api-delivery.ts";
import { type RetryContext, Stopped } from "./api-retry.ts";
import {
  type ApiSourceDeps,
  type ApiSourceSettings,
  oneBatch,
  UNTIL_IDLE_MAX_ATTEMPTS,
} from "./api-source-settings.ts";
import type { WorkItem, WorkOptions } from "./work-item.ts";

/** The options every API service has (worker/services/api-service-options.ts) that drive the poll loop. */
export interface PollingOptions {
  /** Where reading begins when there is no saved cursor; without it, `delay_seconds` behind now. */
  start_time?: string;
  /** How far behind now a poll reads: the APIs keep adding to their latest minutes. */
  delay_seconds: number;
  /** The pause between polls once a poll has caught up. */
  request_period_in_seconds: number;
}

/** What one API source does, in its own terms; what surrounds it (cursor, loop, delivery) is ApiPolling's. */
export interface PollPlan<Cursor> {
  /** The state file's kind (`cloudtrail-lookup/1`): a file written by another source or version is refused. */
  kind: string;
  schema: z.core.$ZodType<Cursor>;
  /** The cursor of a source without saved state, which begins reading at `startMs`. */
  initial(startMs: number): Cursor;
  /** Fields of the "resuming from saved cursor" log line that say where. */
  resumedAt(saved: Cursor): Record<string, unknown>;
  /** Reads everything there is up to `round.upTo`. Returns false when the worker stops before it is finished. */
  poll(round: PollRound<Cursor>): AsyncGenerator<WorkItem, boolean>;
}

/** What one poll is given: how far to read, how to retry its API calls, and how to hand a page of events on. */
export interface PollRound<Cursor> {
  /** `delay_seconds` behind the moment the poll began (ms since the epoch). */
  readonly upTo: number;
  /** For withRetries and rate limiters: this run's stop signal and, with `untilIdle`, its attempt limit. */
  readonly retry: RetryContext;
  /**
   * Hands `events` to the pipeline as one work item and saves `next` once every event is delivered; a page
   * without events saves `next` at once. Returns false when the worker stops before the page is delivered.
   */
  deliver(description: string, events: readonly DevoEvent[], next: Cursor): AsyncGenerator<WorkItem, boolean>;
}

/**
 * The skeleton the API sources share: their id, logger and clock; the cursor kept in the state store (loaded
 * once per run, replaced only when a page is acknowledged, so a restart neither skips nor repeats); and the
 * poll loop: poll, pause `request_period_in_seconds`, poll again; with `untilIdle`, one poll; a stopping worker
 * ends it quietly.
 */
export class ApiPolling<Cursor> {
  /** `<input>/<service>/<region>`, named in every log line and error. */
  readonly id: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly #state: StateStore;
  readonly #key: StateKey;
  readonly #options: PollingOptions;
  readonly #plan: PollPlan<Cursor>;
  #cursor: Cursor | undefined;

  constructor(settings: ApiSourceSettings<PollingOptions>, deps: ApiSourceDeps, plan: PollPlan<Cursor>) {
    this.id = `${settings.inputId}/${settings.serviceName}/${settings.region}`;
    this.#key = { input: settings.inputId, service: settings.serviceName, region: settings.region };
    this.#state = deps.state;
    this.logger = deps.logger.child({ source: this.id });
    this.clock = deps.clock ?? systemClock;
    this.#options = settings.options;
    this.#plan = plan;
  }

  /** The cursor as loaded, last committed or moved. */
  get cursor(): Cursor {
    if (this.#cursor === undefined) throw new Error(`${this.id}: the cursor is read before it is loaded`);
    return this.#cursor;
  }

  /** Moves the cursor without saving it (a start that can no longer be read); the next commit saves it. */
  move(cursor: Cursor): Cursor {
    this.#cursor = cursor;
    return cursor;
  }

  async commit(next: Cursor): Promise<void> {
    await this.#state.write(this.#key, this.#plan.kind, next);
    this.#cursor = next;
  }

  /** What Source.work does: loads the cursor, then polls until the worker stops (with `untilIdle`, once). */
  async *run(signal: AbortSignal, options: WorkOptions): AsyncGenerator<WorkItem> {
    const retry: RetryContext = {
      clock: this.clock,
      logger: this.logger,
      signal,
      sourceId: this.id,
      maxAttempts: options.untilIdle ? UNTIL_IDLE_MAX_ATTEMPTS : undefined,
    };
    const deliver = (description: string, events: readonly DevoEvent[], next: Cursor) =>
      this.#deliver(signal, description, events, next);
    try {
      await this.#load();
      while (!signal.aborted) {
        const finished = yield* this.#plan.poll({ upTo: this.#behindNow(), retry, deliver });
        if (!finished || options.untilIdle || signal.aborted) return;
        await this.clock.sleep(this.#options.request_period_in_seconds * 1000, signal);
      }
    } catch (error) {
      if (error instanceof Stopped) return;
      throw error;
    }
  }

  #behindNow(): number {
    return this.clock.now() - this.#options.delay_seconds * 1000;
  }

  async #load(): Promise<void> {
    const saved = await this.#state.read(this.#key, this.#plan.kind, this.#plan.schema);
    if (saved === undefined) {
      const start = this.#options.start_time;
      this.#cursor = this.#plan.initial(start !== undefined ? Date.parse(start) : this.#behindNow());
      return;
    }
    const where = this.#plan.resumedAt(saved);
    this.logger.info({ state: this.#state.describe(this.#key), ...where }, "resuming from saved cursor");
    this.#cursor = saved;
  }

  async *#deliver(
    signal: AbortSignal,
    description: string,
    events: readonly DevoEvent[],
    next: Cursor,
  ): AsyncGenerator<WorkItem, boolean> {
    if (events.length === 0) {
      await this.commit(next);
      return true;
    }
    return yield* deliverPage(
      { description, events: () => oneBatch(events), commit: () => this.commit(next) },
      { clock: this.clock, logger: this.logger, signal, sourceId: this.id },
    );
  }
}
