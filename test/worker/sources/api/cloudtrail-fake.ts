import { Buffer } from "node:buffer";
import type { Event as LookupEvent, LookupEventsCommandInput } from "@aws-sdk/client-cloudtrail";
import { awsError } from "./api-test-kit.ts";

/** One CloudTrail event of a test account, before it is shaped as LookupEvents returns it. */
export interface TrailEvent {
  id: string;
  /** ms, whole seconds (CloudTrail's granularity). */
  time: number;
  name: string;
  source: string;
  account?: string;
  region?: string;
}

/** The CloudTrailEvent JSON of a record, as CloudTrail writes it (fields per the CloudTrail record contents). */
export function cloudTrailRecord(event: TrailEvent): Record<string, unknown> {
  return {
    eventVersion: "1.09",
    userIdentity: {
      type: "IAMUser",
      principalId: "AIDAJ45Q7YFFAREXAMPLE",
      arn: "arn:aws:iam::123456789012:user/Alice",
      accountId: event.account ?? "123456789012",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      userName: "Alice",
    },
    eventTime: new Date(event.time).toISOString().replace(".000Z", "Z"),
    eventSource: event.source,
    eventName: event.name,
    awsRegion: event.region ?? "eu-west-1",
    sourceIPAddress: "192.0.2.1",
    userAgent: "aws-cli/2.15.0",
    requestParameters: { userName: "Bob" },
    responseElements: null,
    requestID: `req-${event.id}`,
    eventID: event.id,
    readOnly: false,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: event.account ?? "123456789012",
    eventCategory: "Management",
  };
}

/** The LookupEvents `Event` shape of the API reference. */
export function lookupEvent(event: TrailEvent, pretty = false): LookupEvent {
  return {
    EventId: event.id,
    EventName: event.name,
    ReadOnly: "false",
    AccessKeyId: "AKIAIOSFODNN7EXAMPLE",
    EventTime: new Date(event.time),
    EventSource: event.source,
    Username: "Alice",
    Resources: [{ ResourceType: "AWS::IAM::User", ResourceName: "Bob" }],
    CloudTrailEvent: JSON.stringify(cloudTrailRecord(event), null, pretty ? 2 : undefined),
  };
}

export interface FakeTrailOptions {
  /** Whether EndTime includes its own second (AWS does not say; the source must work either way). */
  endInclusive?: boolean;
  /** The server's own page size when smaller than MaxResults (AWS may return fewer than asked). */
  pageSize?: number;
  /** Insert an empty page with a NextToken before every n-th page. */
  emptyPageEvery?: number;
  pretty?: boolean;
}

/**
 * A LookupEvents server over a fixed set of events: filters by StartTime/EndTime, returns newest first, pages
 * with an opaque NextToken bound to the request parameters (another StartTime/EndTime with it is
 * InvalidNextTokenException, as AWS documents).
 */
export function fakeLookupEvents(events: () => TrailEvent[], options: FakeTrailOptions = {}) {
  return (input: LookupEventsCommandInput) => {
    const start = input.StartTime!.getTime();
    const end = input.EndTime!.getTime();
    const inRange = events()
      .filter((e) => e.time >= start && (options.endInclusive === false ? e.time < end : e.time <= end))
      .sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
    let offset = 0;
    let emptyServed = false;
    if (input.NextToken !== undefined) {
      const token = JSON.parse(Buffer.from(input.NextToken, "base64").toString("utf8"));
      if (token.start !== start || token.end !== end) {
        throw awsError(
          "InvalidNextTokenException",
          "A token that is not valid, or a token that was previously used in a request with different parameters.",
        );
      }
      offset = token.offset;
      emptyServed = token.empty === true;
    }
    const size = Math.min(input.MaxResults ?? 50, options.pageSize ?? 50);
    const pageNumber = Math.floor(offset / size) + 1;
    if (options.emptyPageEvery !== undefined && pageNumber % options.emptyPageEvery === 0 && !emptyServed) {
      const next = Buffer.from(JSON.stringify({ start, end, offset, empty: true })).toString("base64");
      return { Events: [], NextToken: next };
    }
    const page = inRange.slice(offset, offset + size);
    const more = offset + size < inRange.length;
    return {
      Events: page.map((e) => lookupEvent(e, options.pretty)),
      ...(more
        ? { NextToken: Buffer.from(JSON.stringify({ start, end, offset: offset + size })).toString("base64") }
        : {}),
    };
  };
}
