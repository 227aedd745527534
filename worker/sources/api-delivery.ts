import type { Logger } from "pino";
import { backoffDelay } from "../pipeline/backoff.ts";
import type { DevoEvent } from "../pipeline/event.ts";
import type { Clock } from "./api-clock.ts";
import { WorkAbandoned, type WorkItem } from "./work-item.ts";

/** One page (or batch) of an API source, ready to hand to the pipeline. */
export interface ApiPage {
  description: string;
  /** Called again for each delivery attempt, so a retried page yields its events afresh. */
  events(): AsyncIterable<readonly DevoEvent[]>;
  /** Advances and persists the cursor past this page; runs only once every event of the page is delivered. */
  commit(): Promise<void>;
}

type Outcome = { acked: true } | { acked: false; error: Error } | { saveFailed: Error };

/**
 * The page was delivered but its cursor could not be saved. Offering it again would deliver it again, forever:
 * the source stops instead, and says what failed.
 */
export class CursorSaveError extends Error {
  constructor(sourceId: string, page: string, cause: Error) {
    super(
      `${sourceId}: ${page} was delivered, but saving the cursor failed (${cause.message}); the source stops, and after a restart this page is sent again`,
    );
    this.name = "CursorSaveError";
  }
}

export interface DeliveryContext {
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  sourceId: string;
}

/**
 * Hands one page to the pipeline as a work item and waits until it is settled, so an API source never has two
 * pages of one cursor in flight and commits strictly in order. A page that fails delivery is offered again
 * (same events, cursor untouched) after a backoff; a page handed back because the worker stops ends delivery.
 *
 * Returns true once the page is acknowledged and its cursor committed, false when the worker stops first.
 */
export async function* deliverPage(page: ApiPage, ctx: DeliveryContext): AsyncGenerator<WorkItem, boolean, void> {
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal.aborted) return false;
    let settle!: (outcome: Outcome) => void;
    const settled = new Promise<Outcome>((resolve) => {
      settle = resolve;
    });
    let done = false;
    const item: WorkItem = {
      description: attempt === 1 ? page.description : `${page.description} (attempt ${attempt})`,
      events: page.events(),
      async ack() {
        if (done) return;
        done = true;
        try {
          await page.commit();
        } catch (error) {
          settle({ saveFailed: error as Error });
          return;
        }
        settle({ acked: true });
      },
      async nack(error: Error) {
        if (done) return;
        done = true;
        settle({ acked: false, error });
      },
    };
    yield item;
    const outcome = await settled;
    if ("saveFailed" in outcome) throw new CursorSaveError(ctx.sourceId, page.description, outcome.saveFailed);
    if (outcome.acked) return true;
    if (outcome.error instanceof WorkAbandoned || ctx.signal.aborted) return false;
    const delay = backoffDelay(attempt, 1000, 60_000);
    ctx.logger.warn(
      { source: ctx.sourceId, work: page.description, attempt, retryInMs: delay, err: outcome.error.message },
      "delivery failed; the page will be offered again",
    );
    await ctx.clock.sleep(delay, ctx.signal);
  }
}
