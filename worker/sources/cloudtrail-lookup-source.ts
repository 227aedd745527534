import {
  CloudTrailClient,
  type Event as CloudTrailLookupEvent,
  LookupEventsCommand,
  type LookupEventsCommandOutput,
} from "@aws-sdk/client-cloudtrail";
import { cloudTrailTag, cloudTrailTagging } from "../formats/cloudtrail.ts";
import { compactJson } from "../formats/json-splitter.ts";
import type { DevoEvent } from "../pipeline/event.ts";
import * as z from "../runtime/zod.ts";
import type { AuditEventsOptions } from "../services/api-service-options.ts";
import { ApiPolling, type PollRound } from "./api-polling.ts";
import { type RateLimiter, sharedRateLimiter } from "./api-rate-limiter.ts";
import { withRetries } from "./api-retry.ts";
import { type ApiSourceDeps, type ApiSourceSettings, sdkClientConfig } from "./api-source-settings.ts";
import type { Source, WorkItem, WorkOptions } from "./work-item.ts";

/** LookupEvents serves the last 90 days of management events. */
const HISTORY_MS = 90 * 86_400_000;
/** Windows are cut to this length so the cursor moves forward steadily while catching up. */
const MAX_WINDOW_MS = 3_600_000;
const PAGE_SIZE = 50;
/** AWS: "The rate of lookup requests is limited to two per second, per account, per Region." */
const REQUESTS_PER_SECOND = 2;

/**
 * The saved position of one region's LookupEvents reading.
 *
 * LookupEvents returns events newest first, with second-granularity times, and several events can share a
 * second. So a time alone cannot say where reading stopped: the cursor is a second plus the ids of the events
 * of that second that were already delivered.
 *
 * - `time` + `ids`: every event before `time` is delivered, and so are the events of second `time` in `ids`.
 * - `window` (a window is being read, newest first): of the events in (`time`, `window.end`], those after
 *   `low`, and those of second `low` in `low_ids`, are delivered; `end_ids` are the delivered events of second
 *   `window.end`, which become `ids` once the window is finished.
 */
const cursorSchema = z.strictObject({
  time: z.iso.datetime(),
  ids: z.array(z.string()),
  window: z.optional(
    z.strictObject({
      end: z.iso.datetime(),
      low: z.optional(z.iso.datetime()),
      low_ids: z.array(z.string()),
      end_ids: z.array(z.string()),
    }),
  ),
});
type Cursor = z.output<typeof cursorSchema>;
export const CLOUDTRAIL_CURSOR_KIND = "cloudtrail-lookup/1";

const floorSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `audit-events-all` with `types: [audits_api]`: CloudTrail LookupEvents of one region, from `start_time` (or the
 * saved cursor) onward, one work item per API page. The cursor advances only when a page is acknowledged, so
 * a restart neither skips nor repeats events, even inside a second shared by several events.
 *
 * Events are read up to `delay_seconds` behind now: CloudTrail adds events to its history a few minutes after
 * they happen, and an event that shows up behind the cursor would never be read.
 */
export class CloudTrailLookupSource implements Source {
  readonly id: string;
  /** One cursor: pages must be delivered and committed one after another. */
  readonly concurrency = 1;
  readonly #settings: ApiSourceSettings<AuditEventsOptions>;
  readonly #client: CloudTrailClient;
  readonly #polling: ApiPolling<Cursor>;
  readonly #limiter: RateLimiter;
  readonly #tagging: ReturnType<typeof cloudTrailTagging>;

  constructor(settings: ApiSourceSettings<AuditEventsOptions>, deps: ApiSourceDeps & { rateLimiter?: RateLimiter }) {
    this.#settings = settings;
    this.#polling = new ApiPolling(settings, deps, {
      kind: CLOUDTRAIL_CURSOR_KIND,
      schema: cursorSchema,
      initial: (startMs) => ({ time: iso(floorSecond(startMs)), ids: [] }),
      resumedAt: (saved) => ({ time: saved.time }),
      poll: (round) => this.#poll(round),
    });
    this.id = this.#polling.id;
    this.#limiter =
      deps.rateLimiter ??
      sharedRateLimiter(`cloudtrail:LookupEvents:${settings.region}`, REQUESTS_PER_SECOND, this.#polling.clock);
    this.#tagging = cloudTrailTagging(
      settings.options as unknown as Record<string, unknown>,
      "events",
      settings.account !== undefined ? { account: settings.account, region: settings.region } : undefined,
    );
    this.#client = new CloudTrailClient(sdkClientConfig(settings));
  }

  work(signal: AbortSignal, options: WorkOptions): AsyncGenerator<WorkItem> {
    return this.#polling.run(signal, options);
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  /** Reads window after window until the cursor is `delay_seconds` behind now. */
  async *#poll(round: PollRound<Cursor>): AsyncGenerator<WorkItem, boolean> {
    const target = floorSecond(round.upTo);
    let cursor = this.#withinHistory(this.#polling.cursor);
    while (!round.retry.signal.aborted && (cursor.window !== undefined || Date.parse(cursor.time) < target)) {
      if (!(yield* this.#readWindow(cursor, target, round))) return false;
      cursor = this.#polling.cursor;
    }
    return true;
  }

  /** A cursor older than LookupEvents' 90 days is moved up, loudly: those events can no longer be read. */
  #withinHistory(cursor: Cursor): Cursor {
    const oldest = floorSecond(this.#polling.clock.now() - HISTORY_MS) + 60_000;
    if (Date.parse(cursor.time) >= oldest) return cursor;
    this.#polling.logger.warn(
      { from: cursor.time, to: iso(oldest) },
      "events before the start of LookupEvents' 90-day history cannot be read; reading from its start",
    );
    return this.#polling.move({ time: iso(oldest), ids: [] });
  }

  /**
   * Reads one window (`cursor.time`, up to one hour, newest first) page by page. Returns false when the worker
   * stops before the window is finished (the cursor then holds the progress made).
   */
  async *#readWindow(start: Cursor, target: number, round: PollRound<Cursor>): AsyncGenerator<WorkItem, boolean> {
    const from = Date.parse(start.time);
    const fromIds = new Set(start.ids);
    const end = start.window ? Date.parse(start.window.end) : Math.min(from + MAX_WINDOW_MS, target);
    let low = start.window?.low !== undefined ? Date.parse(start.window.low) : undefined;
    let lowIds = new Set(start.window?.low_ids ?? []);
    const endIds = new Set(start.window?.end_ids ?? []);
    const seen = new Set<string>();
    const dropped = new Set(this.#settings.options.drop_event_names);
    let nextToken: string | undefined;
    // After a restart (or a rejected token) only what is left of the window is asked for again; +1 s because
    // the second `low` itself may still hold undelivered events.
    let queryEnd = low !== undefined ? low + 1000 : end;
    let page = 0;

    for (;;) {
      page += 1;
      const response = await withRetries<LookupEventsCommandOutput>(
        "LookupEvents",
        async () => {
          await this.#limiter.take(round.retry.signal);
          try {
            return await this.#client.send(
              new LookupEventsCommand({
                StartTime: new Date(from),
                EndTime: new Date(queryEnd),
                MaxResults: PAGE_SIZE,
                ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
              }),
              { abortSignal: round.retry.signal },
            );
          } catch (error) {
            if ((error as Error).name === "InvalidNextTokenException") {
              nextToken = undefined;
              queryEnd = low !== undefined ? low + 1000 : end;
            }
            throw error;
          }
        },
        round.retry,
      );

      const events: DevoEvent[] = [];
      let pageLow: number | undefined;
      let pageLowIds = new Set<string>();
      for (const event of response.Events ?? []) {
        const time = event.EventTime !== undefined ? floorSecond(new Date(event.EventTime).getTime()) : undefined;
        const eventId = event.EventId;
        if (time !== undefined && eventId !== undefined) {
          if (time < from || time > end) continue;
          if (time === from && fromIds.has(eventId)) continue;
          if (low !== undefined && (time > low || (time === low && lowIds.has(eventId)))) continue;
          if (seen.has(eventId)) continue;
          seen.add(eventId);
          if (pageLow === undefined || time < pageLow) {
            pageLow = time;
            pageLowIds = new Set();
          }
          if (time === pageLow) pageLowIds.add(eventId);
          if (time === end) endIds.add(eventId);
        }
        if (event.EventName !== undefined && dropped.has(event.EventName)) continue;
        events.push(this.#toDevoEvent(event));
      }
      if (pageLow !== undefined) {
        if (low === undefined || pageLow < low) {
          low = pageLow;
          lowIds = pageLowIds;
        } else if (pageLow === low) {
          for (const eventId of pageLowIds) lowIds.add(eventId);
        }
      }

      const more = response.NextToken !== undefined && response.NextToken !== "";
      const next: Cursor = more
        ? {
            time: start.time,
            ids: start.ids,
            window: {
              end: iso(end),
              ...(low !== undefined ? { low: iso(low) } : {}),
              low_ids: [...lowIds],
              end_ids: [...endIds],
            },
          }
        : { time: iso(end), ids: [...endIds] };

      // A page with nothing to deliver (empty, or only dropped and already-seen events) moves the cursor at once.
      const description = `LookupEvents ${this.#settings.region} ${iso(from)}..${iso(end)} page ${page}`;
      if (!(yield* round.deliver(description, events, next))) return false;
      if (!more) return true;
      nextToken = response.NextToken;
    }
  }

  #toDevoEvent(event: CloudTrailLookupEvent): DevoEvent {
    const text = event.CloudTrailEvent;
    let record: Record<string, unknown> | undefined;
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
          record = parsed as Record<string, unknown>;
        }
      } catch {
        this.#polling.logger.warn({ eventId: event.EventId }, "CloudTrailEvent is not valid JSON; sent as it is");
      }
    }
    // The lookup summary stands in for a missing or unreadable CloudTrailEvent, so the event is still sent.
    const fields = record ?? {
      eventID: event.EventId,
      eventName: event.EventName,
      eventSource: event.EventSource,
      eventTime: event.EventTime?.toISOString(),
      awsRegion: this.#settings.region,
    };
    const message = text !== undefined ? compactJson(text) : JSON.stringify(fields);
    const devoEvent: DevoEvent = { tag: cloudTrailTag(fields, this.#tagging), message };
    if (event.EventTime !== undefined) devoEvent.time = new Date(event.EventTime);
    return devoEvent;
  }
}
