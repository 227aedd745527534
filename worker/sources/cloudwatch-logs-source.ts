import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  type DescribeLogGroupsCommandOutput,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import { tagLevel } from "../formats/tag.ts";
import type { DevoEvent } from "../pipeline/event.ts";
import * as z from "../runtime/zod.ts";
import type { CloudwatchLogsOptions } from "../services/api-service-options.ts";
import { ApiPolling, type PollRound } from "./api-polling.ts";
import { type RateLimiter, sharedRateLimiter } from "./api-rate-limiter.ts";
import { type RetryContext, withRetries } from "./api-retry.ts";
import { type ApiSourceDeps, type ApiSourceSettings, sdkClientConfig } from "./api-source-settings.ts";
import type { Source, WorkItem, WorkOptions } from "./work-item.ts";

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
  start: z.number().check(z.int()),
  groups: z.record(z.string(), z.strictObject({ ts: z.number().check(z.int()), ids: z.array(z.string()) })),
});
type Cursor = z.output<typeof cursorSchema>;
type GroupCursor = Cursor["groups"][string];
export const LOGS_CURSOR_KIND = "cloudwatch-logs/1";

/** The whole cursor with one group's position replaced (pages are delivered one at a time, so nothing races). */
function withGroup(cursor: Cursor, group: string, next: GroupCursor): Cursor {
  return { start: cursor.start, groups: { ...cursor.groups, [group]: next } };
}

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
  readonly #polling: ApiPolling<Cursor>;
  readonly #filterLimiter: RateLimiter;
  readonly #describeLimiter: RateLimiter;

  constructor(
    settings: ApiSourceSettings<CloudwatchLogsOptions>,
    deps: ApiSourceDeps & { filterRateLimiter?: RateLimiter; describeRateLimiter?: RateLimiter },
  ) {
    this.#settings = settings;
    this.#polling = new ApiPolling(settings, deps, {
      kind: LOGS_CURSOR_KIND,
      schema: cursorSchema,
      initial: (startMs) => ({ start: startMs, groups: {} }),
      resumedAt: (saved) => ({ groups: Object.keys(saved.groups).length }),
      poll: (round) => this.#poll(round),
    });
    this.id = this.#polling.id;
    const clock = this.#polling.clock;
    this.#filterLimiter =
      deps.filterRateLimiter ??
      sharedRateLimiter(`logs:FilterLogEvents:${settings.region}`, REQUESTS_PER_SECOND, clock);
    this.#describeLimiter =
      deps.describeRateLimiter ??
      sharedRateLimiter(`logs:DescribeLogGroups:${settings.region}`, REQUESTS_PER_SECOND, clock);
    this.#client = new CloudWatchLogsClient(sdkClientConfig(settings));
  }

  work(signal: AbortSignal, options: WorkOptions): AsyncGenerator<WorkItem> {
    return this.#polling.run(signal, options);
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  /** Reads every log group up to `delay_seconds` behind now. */
  async *#poll(round: PollRound<Cursor>): AsyncGenerator<WorkItem, boolean> {
    for (const group of await this.#resolveGroups(round.retry)) {
      if (round.retry.signal.aborted) return false;
      if (!(yield* this.#readGroup(group, round.upTo, round))) return false;
    }
    return true;
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
              { abortSignal: retry.signal },
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
  async *#readGroup(group: string, end: number, round: PollRound<Cursor>): AsyncGenerator<WorkItem, boolean> {
    const cursor = this.#polling.cursor;
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
            await this.#filterLimiter.take(round.retry.signal);
            return this.#client.send(
              new FilterLogEventsCommand({
                logGroupName: group,
                startTime: start.ts,
                endTime: end,
                startFromHead: true,
                ...(token !== undefined ? { nextToken: token } : {}),
              }),
              { abortSignal: round.retry.signal },
            );
          },
          round.retry,
          { fatal: isNotFound },
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.#polling.logger.warn({ logGroup: group }, "log group not found in this region; skipped until it exists");
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

      // An empty page in the middle of a group saves nothing: only a delivered event or the group's end moves it.
      if (events.length > 0 || !more) {
        const description = `FilterLogEvents ${this.#settings.region} ${group} page ${page}`;
        if (!(yield* round.deliver(description, events, withGroup(this.#polling.cursor, group, next)))) return false;
      }
      if (!more) return true;
      nextToken = response.nextToken;
    }
  }

  #toDevoEvent(group: string, event: FilteredLogEvent): DevoEvent {
    const message = (event.message ?? "").replace(/\r?\n$/, "");
    const devoEvent: DevoEvent = { tag: `${LOGS_TAG}.${tagLevel(group)}`, message };
    if (event.timestamp !== undefined) devoEvent.time = new Date(event.timestamp);
    return devoEvent;
  }
}
