import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  type DescribeLogGroupsCommandOutput,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import type { Logger } from "pino";
import { z } from "zod";
import { tagLevel } from "../formats/tag.ts";
import type { DevoEvent } from "../pipeline/event.ts";
import type { CloudwatchLogsOptions } from "../services/api-service-options.ts";
import type { StateKey, StateStore } from "../state/state-store.ts";
import { type Clock, systemClock } from "./api-clock.ts";
import { deliverPage } from "./api-delivery.ts";
import { type RateLimiter, sharedRateLimiter } from "./api-rate-limiter.ts";
import { type RetryContext, Stopped, withRetries } from "./api-retry.ts";
import {
  type ApiSourceDeps,
  type ApiSourceSettings,
  oneBatch,
  SDK_RETRY,
  UNTIL_IDLE_MAX_ATTEMPTS,
} from "./api-source-settings.ts";
import type { Source, WorkItem } from "./work-item.ts";

export const LOGS_TAG = "cloud.aws.cloudwatch.logs";
/** CloudWatch Logs quotas: FilterLogEvents and DescribeLogGroups, 5 transactions per second per account and region. */
const REQUESTS_PER_SECOND = 5;

/**
 * Per log group: every event with a timestamp before `ts` (ms) is delivered, and so are the events of
 * millisecond `ts` whose ids are in `ids` (several events can share a millisecond and a page can end inside
 * it). `start` is where a log group seen for the first time begins, fixed at the first run, so a group created
 * while the worker was down is still read from then.
 */
const cursorSchema = z.strictObject({
  start: z.number().int(),
  groups: z.record(z.string(), z.strictObject({ ts: z.number().int(), ids: z.array(z.string()) })),
});
type Cursor = z.output<typeof cursorSchema>;
type GroupCursor = Cursor["groups"][string];
export const LOGS_CURSOR_KIND = "cloudwatch-logs/1";

const isNotFound = (error: unknown) => (error as Error)?.name === "ResourceNotFoundException";

/**
 * `custom_service` of the `aws` input: CloudWatch Logs events of the log groups in `log_groups` (exact names;
 * a name ending in `*` is a prefix resolved with DescribeLogGroups at every poll, so new groups are picked up),
 * read with FilterLogEvents (oldest first) from `start_time` or the saved cursor, one work item per page.
 *
 * Tag: `cloud.aws.cloudwatch.logs.<log group>` — Devo's table, with the log group as an extra level (lower case,
 * `/` and other separators as `_`) so events of different groups can be told apart. The message is the log
 * event's message, without its trailing line break.
 */
export class CloudWatchLogsSource implements Source {
  readonly id: string;
  readonly concurrency = 1;
  readonly #settings: ApiSourceSettings<CloudwatchLogsOptions>;
  readonly #client: CloudWatchLogsClient;
  readonly #state: StateStore;
  readonly #key: StateKey;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #filterLimiter: RateLimiter;
  readonly #describeLimiter: RateLimiter;
  #cursor: Cursor | undefined;

  constructor(
    settings: ApiSourceSettings<CloudwatchLogsOptions>,
    deps: ApiSourceDeps & { filterRateLimiter?: RateLimiter; describeRateLimiter?: RateLimiter },
  ) {
    this.#settings = settings;
    this.id = `${settings.inputId}/${settings.serviceName}/${settings.region}`;
    this.#key = { input: settings.inputId, service: settings.serviceName, region: settings.region };
    this.#state = deps.state;
    this.#logger = deps.logger.child({ source: this.id });
    this.#clock = deps.clock ?? systemClock;
    this.#filterLimiter =
      deps.filterRateLimiter ??
      sharedRateLimiter(`logs:FilterLogEvents:${settings.region}`, REQUESTS_PER_SECOND, this.#clock);
    this.#describeLimiter =
      deps.describeRateLimiter ??
      sharedRateLimiter(`logs:DescribeLogGroups:${settings.region}`, REQUESTS_PER_SECOND, this.#clock);
    this.#client = new CloudWatchLogsClient({
      region: settings.region,
      endpoint: settings.endpointUrl,
      credentials: settings.credentials,
      ...SDK_RETRY,
    });
  }

  async *work(signal: AbortSignal, options: { untilIdle: boolean }): AsyncGenerator<WorkItem> {
    const retry: RetryContext = {
      clock: this.#clock,
      logger: this.#logger,
      signal,
      sourceId: this.id,
      maxAttempts: options.untilIdle ? UNTIL_IDLE_MAX_ATTEMPTS : undefined,
    };
    try {
      await this.#load();
      while (!signal.aborted) {
        const end = this.#clock.now() - this.#settings.options.delay_seconds * 1000;
        for (const group of await this.#resolveGroups(retry)) {
          if (signal.aborted) return;
          const finished = yield* this.#readGroup(group, end, retry);
          if (!finished) return;
        }
        if (options.untilIdle || signal.aborted) return;
        await this.#clock.sleep(this.#settings.options.request_period_in_seconds * 1000, signal);
      }
    } catch (error) {
      if (error instanceof Stopped) return;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  async #load(): Promise<void> {
    const saved = await this.#state.read(this.#key, LOGS_CURSOR_KIND, cursorSchema);
    if (saved !== undefined) {
      this.#logger.info(
        { state: this.#state.describe(this.#key), groups: Object.keys(saved.groups).length },
        "resuming from saved cursors",
      );
      this.#cursor = saved;
      return;
    }
    const start = this.#settings.options.start_time;
    this.#cursor = {
      start: start !== undefined ? Date.parse(start) : this.#clock.now() - this.#settings.options.delay_seconds * 1000,
      groups: {},
    };
  }

  /** Exact names as given, prefixes (`name*`) expanded; sorted so groups are read in a stable order. */
  async #resolveGroups(retry: RetryContext): Promise<string[]> {
    const names = new Set<string>();
    for (const entry of this.#settings.options.log_groups) {
      if (!entry.endsWith("*")) {
        names.add(entry);
        continue;
      }
      const prefix = entry.slice(0, -1);
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const page = await withRetries<DescribeLogGroupsCommandOutput>(
          `DescribeLogGroups ${prefix}`,
          async () => {
            await this.#describeLimiter.take(retry.signal);
            return this.#client.send(
              new DescribeLogGroupsCommand({
                ...(prefix !== "" ? { logGroupNamePrefix: prefix } : {}),
                ...(token !== undefined ? { nextToken: token } : {}),
              }),
            );
          },
          retry,
        );
        for (const group of page.logGroups ?? []) if (group.logGroupName) names.add(group.logGroupName);
        nextToken = page.nextToken || undefined;
      } while (nextToken !== undefined);
    }
    return [...names].sort();
  }

  /** Reads one log group from its cursor up to `end`. Returns false when the worker stops first. */
  async *#readGroup(group: string, end: number, retry: RetryContext): AsyncGenerator<WorkItem, boolean> {
    const cursor = this.#cursor!;
    const start: GroupCursor = cursor.groups[group] ?? { ts: cursor.start, ids: [] };
    if (start.ts > end) return true;
    const startIds = new Set(start.ids);
    const seen = new Set<string>();
    // Progress inside this run: the latest millisecond delivered and the ids delivered in it.
    let latest = start.ts;
    let latestIds = new Set(start.ids);
    let nextToken: string | undefined;
    let page = 0;
    for (;;) {
      page += 1;
      const token = nextToken;
      let response: FilterLogEventsCommandOutput;
      try {
        response = await withRetries<FilterLogEventsCommandOutput>(
          `FilterLogEvents ${group}`,
          async () => {
            await this.#filterLimiter.take(retry.signal);
            return this.#client.send(
              new FilterLogEventsCommand({
                logGroupName: group,
                startTime: start.ts,
                endTime: end,
                startFromHead: true,
                ...(token !== undefined ? { nextToken: token } : {}),
              }),
            );
          },
          retry,
          { fatal: isNotFound },
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.#logger.warn({ logGroup: group }, "log group not found in this region; skipped until it exists");
        return true;
      }

      const events: DevoEvent[] = [];
      for (const event of response.events ?? []) {
        const ts = event.timestamp;
        const eventId = event.eventId;
        if (ts === undefined || eventId === undefined) continue;
        if (ts < start.ts || ts > end) continue;
        if (ts === start.ts && startIds.has(eventId)) continue;
        if (seen.has(eventId)) continue;
        seen.add(eventId);
        if (ts > latest) {
          latest = ts;
          latestIds = new Set();
        }
        if (ts === latest) latestIds.add(eventId);
        events.push(this.#toDevoEvent(group, event));
      }

      const more = response.nextToken !== undefined && response.nextToken !== "";
      // Finished: everything up to `end` is read; keep the ids delivered at `end` itself, whether or not the
      // API counts `endTime` as inclusive, so the next poll (which starts at `end`) neither repeats nor skips.
      const next: GroupCursor = more
        ? { ts: latest, ids: [...latestIds] }
        : latest === end
          ? { ts: end, ids: [...latestIds] }
          : { ts: end, ids: [] };

      if (events.length === 0) {
        if (!more) await this.#commit(group, next);
      } else {
        const delivered = yield* deliverPage(
          {
            description: `FilterLogEvents ${this.#settings.region} ${group} page ${page}`,
            events: () => oneBatch(events),
            commit: () => this.#commit(group, next),
          },
          { clock: this.#clock, logger: this.#logger, signal: retry.signal, sourceId: this.id },
        );
        if (!delivered) return false;
      }
      if (!more) return true;
      nextToken = response.nextToken;
    }
  }

  async #commit(group: string, next: GroupCursor): Promise<void> {
    const cursor = this.#cursor!;
    const updated: Cursor = { start: cursor.start, groups: { ...cursor.groups, [group]: next } };
    await this.#state.write(this.#key, LOGS_CURSOR_KIND, updated);
    this.#cursor = updated;
  }

  #toDevoEvent(group: string, event: FilteredLogEvent): DevoEvent {
    const message = (event.message ?? "").replace(/\r?\n$/, "");
    const devoEvent: DevoEvent = { tag: `${LOGS_TAG}.${tagLevel(group)}`, message };
    if (event.timestamp !== undefined) devoEvent.time = new Date(event.timestamp);
    return devoEvent;
  }
}
