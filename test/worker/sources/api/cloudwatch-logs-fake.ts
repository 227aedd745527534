import { Buffer } from "node:buffer";
import type {
  DescribeLogGroupsCommandInput,
  FilterLogEventsCommandInput,
  FilterLogEventsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import { awsError } from "./api-test-kit.ts";

export interface LogEvent {
  group: string;
  stream: string;
  /** ms since the epoch. */
  timestamp: number;
  id: string;
  message: string;
}

const ACCOUNT = "123456789012";

/** DescribeLogGroups by prefix, `pageSize` groups per page, in name order (as the API lists them). */
export function fakeDescribeLogGroups(groups: () => string[], pageSize = 50) {
  return (input: DescribeLogGroupsCommandInput) => {
    const all = groups()
      .filter((name) => name.startsWith(input.logGroupNamePrefix ?? ""))
      .sort();
    const offset = input.nextToken !== undefined ? Number(Buffer.from(input.nextToken, "base64").toString()) : 0;
    const page = all.slice(offset, offset + pageSize);
    return {
      logGroups: page.map((name) => ({
        logGroupName: name,
        creationTime: 1_700_000_000_000,
        retentionInDays: 30,
        metricFilterCount: 0,
        arn: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${name}:*`,
        logGroupArn: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${name}`,
        storedBytes: 1024,
        logGroupClass: "STANDARD" as const,
      })),
      ...(offset + pageSize < all.length
        ? { nextToken: Buffer.from(String(offset + pageSize)).toString("base64") }
        : {}),
    };
  };
}

export interface FakeLogsOptions {
  pageSize?: number;
  /** Whether endTime includes its own millisecond (the API says events later than endTime are not returned). */
  endInclusive?: boolean;
  /** Serve an empty page with a nextToken before every n-th page ("a returned page might be empty"). */
  emptyPageEvery?: number;
}

/**
 * FilterLogEvents of one log group: events in [startTime, endTime], oldest first (timestamp, then id), paged,
 * ResourceNotFoundException for a group that does not exist.
 */
export function fakeFilterLogEvents(events: () => LogEvent[], groups: () => string[], options: FakeLogsOptions = {}) {
  return (input: FilterLogEventsCommandInput): Partial<FilterLogEventsCommandOutput> => {
    if (!groups().includes(input.logGroupName!)) {
      throw awsError("ResourceNotFoundException", "The specified log group does not exist.");
    }
    const start = input.startTime ?? 0;
    const end = input.endTime ?? Number.MAX_SAFE_INTEGER;
    const matching = events()
      .filter((e) => e.group === input.logGroupName)
      .filter((e) => e.timestamp >= start && (options.endInclusive === false ? e.timestamp < end : e.timestamp <= end))
      .sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : 1));
    let offset = 0;
    let emptyServed = false;
    if (input.nextToken !== undefined) {
      const token = JSON.parse(Buffer.from(input.nextToken, "base64").toString());
      offset = token.offset;
      emptyServed = token.empty === true;
    }
    const size = Math.min(input.limit ?? 10_000, options.pageSize ?? 10_000);
    const pageNumber = Math.floor(offset / size) + 1;
    if (options.emptyPageEvery !== undefined && pageNumber % options.emptyPageEvery === 0 && !emptyServed) {
      return {
        events: [],
        searchedLogStreams: [],
        nextToken: Buffer.from(JSON.stringify({ offset, empty: true })).toString("base64"),
      };
    }
    const page = matching.slice(offset, offset + size);
    const more = offset + size < matching.length;
    return {
      events: page.map((e) => ({
        logStreamName: e.stream,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.timestamp + 250,
        eventId: e.id,
      })),
      searchedLogStreams: [],
      ...(more ? { nextToken: Buffer.from(JSON.stringify({ offset: offset + size })).toString("base64") } : {}),
    };
  };
}
