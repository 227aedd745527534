/**
 * Turns the body of one SQS message into what it announces. Pure and total: it never throws, whatever the
 * body; anything it does not recognise comes back as `unrecognised` with a reason, so that the caller can log
 * it once and leave the message for the DLQ instead of deleting it.
 *
 * The shapes are data: each rule says how to recognise a body and how to read it. SNS envelopes (including
 * raw delivery, which is simply the inner body) are unwrapped first, once.
 */

export interface AnnouncedObject {
  bucket: string;
  /** The object key, decoded: exactly what GetObject needs. */
  key: string;
  /** Size in bytes when the notification says it. */
  size?: number;
  /** When S3 (or the producer) says the object was created, in ms since the epoch. */
  createdAt?: number;
}

export type Notification =
  /** Objects to read. `ignored` counts records of other event types (deletes, restores, …) in the same message. */
  | { kind: "objects"; shape: string; objects: AnnouncedObject[]; ignored: number }
  /** A message that announces nothing on purpose (S3's `s3:TestEvent`, a message of only ignored records). */
  | { kind: "nothing"; shape: string; reason: string }
  /** Events carried in the message itself (EventBridge → SQS): the parsed JSON body. */
  | { kind: "inline"; shape: string; event: Record<string, unknown> }
  | { kind: "unrecognised"; reason: string };

/** Which object notifications a service accepts: S3-style announcements, or CrowdStrike FDR's own messages. */
export type NotificationFamily = "s3" | "fdr";

type Json = Record<string, unknown>;

interface Rule {
  shape: string;
  families: readonly NotificationFamily[] | "any";
  matches(body: Json): boolean;
  read(body: Json): Notification;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/**
 * S3 URL-encodes keys in event notifications the way HTML forms do: a space is `+`, everything else `%XX`.
 * So `+` must become a space before percent-decoding (a literal `+` arrives as `%2B`).
 */
export function decodeS3EventKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

function timeOf(value: unknown): number | undefined {
  if (!isString(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function sizeOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function readS3Records(body: Json): Notification {
  const records = body.Records as unknown[];
  const objects: AnnouncedObject[] = [];
  let ignored = 0;
  for (const [index, record] of records.entries()) {
    if (!isObject(record)) return { kind: "unrecognised", reason: `Records[${index}] is not an object` };
    const eventName = record.eventName;
    if (!isString(eventName)) return { kind: "unrecognised", reason: `Records[${index}].eventName is missing` };
    // Real S3 writes `ObjectCreated:Put`; some producers (and Lambda test events) write `s3:ObjectCreated:Put`.
    if (!eventName.replace(/^s3:/, "").startsWith("ObjectCreated:")) {
      ignored++;
      continue;
    }
    const s3 = record.s3;
    const bucket = isObject(s3) && isObject(s3.bucket) ? s3.bucket.name : undefined;
    const object = isObject(s3) ? s3.object : undefined;
    const rawKey = isObject(object) ? object.key : undefined;
    if (!isString(bucket) || !isString(rawKey)) {
      return { kind: "unrecognised", reason: `Records[${index}] has no s3.bucket.name or s3.object.key` };
    }
    const key = decodeS3EventKey(rawKey);
    if (key === undefined)
      return { kind: "unrecognised", reason: `Records[${index}].s3.object.key is not valid URL encoding` };
    objects.push({ bucket, key, size: sizeOf((object as Json).size), createdAt: timeOf(record.eventTime) });
  }
  if (objects.length === 0) {
    return { kind: "nothing", shape: "s3-event", reason: `${ignored} record(s), none ObjectCreated` };
  }
  return { kind: "objects", shape: "s3-event", objects, ignored };
}

function readEventBridge(body: Json): Notification {
  const detail = body.detail as Json;
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  const key = isObject(detail.object) ? detail.object.key : undefined;
  if (!isString(bucket) || !isString(key)) {
    return {
      kind: "unrecognised",
      reason: "EventBridge Object Created event without detail.bucket.name or detail.object.key",
    };
  }
  const size = isObject(detail.object) ? sizeOf(detail.object.size) : undefined;
  // EventBridge carries the key as it is: no URL decoding.
  return {
    kind: "objects",
    shape: "eventbridge-s3",
    objects: [{ bucket, key, size, createdAt: timeOf(body.time) }],
    ignored: 0,
  };
}

function readKeyList(shape: string, bucket: unknown, keys: unknown, createdAt?: number): Notification {
  const list = Array.isArray(keys) ? keys : [keys];
  if (!isString(bucket) || list.length === 0 || !list.every(isString)) {
    return { kind: "unrecognised", reason: `${shape} message without a bucket and object keys` };
  }
  return { kind: "objects", shape, objects: list.map((key) => ({ bucket, key, createdAt })), ignored: 0 };
}

const RULES: readonly Rule[] = [
  {
    shape: "s3-test-event",
    families: "any",
    matches: (body) => body.Event === "s3:TestEvent",
    read: () => ({ kind: "nothing", shape: "s3-test-event", reason: "s3:TestEvent" }),
  },
  {
    shape: "s3-event",
    families: ["s3"],
    matches: (body) => Array.isArray(body.Records),
    read: readS3Records,
  },
  {
    shape: "eventbridge-s3",
    families: ["s3"],
    matches: (body) => body.source === "aws.s3" && body["detail-type"] === "Object Created" && isObject(body.detail),
    read: readEventBridge,
  },
  {
    // CloudTrail's own SNS notification of a delivered log file.
    shape: "cloudtrail-sns",
    families: ["s3"],
    matches: (body) => "s3Bucket" in body && Array.isArray(body.s3ObjectKey),
    read: (body) => readKeyList("cloudtrail-sns", body.s3Bucket, body.s3ObjectKey),
  },
  {
    // AWS Config's delivery notifications (snapshot and history files).
    shape: "config-delivery",
    families: ["s3"],
    matches: (body) =>
      isString(body.messageType) && body.messageType.endsWith("DeliveryCompleted") && "s3Bucket" in body,
    read: (body) =>
      readKeyList("config-delivery", body.s3Bucket, body.s3ObjectKey, timeOf(body.notificationCreationTime)),
  },
  {
    // CrowdStrike Falcon Data Replicator: `bucket` and `files[].path` (keys are not URL-encoded).
    shape: "fdr",
    families: ["fdr"],
    matches: (body) => isString(body.bucket) && Array.isArray(body.files),
    read: (body) => {
      const files = body.files as unknown[];
      const objects: AnnouncedObject[] = [];
      for (const [index, file] of files.entries()) {
        if (!isObject(file) || !isString(file.path)) {
          return { kind: "unrecognised", reason: `FDR message files[${index}] has no path` };
        }
        objects.push({ bucket: body.bucket as string, key: file.path, size: sizeOf(file.size) });
      }
      const createdAt = typeof body.timestamp === "number" ? body.timestamp : undefined;
      if (objects.length === 0) return { kind: "nothing", shape: "fdr", reason: "FDR message lists no files" };
      return { kind: "objects", shape: "fdr", objects: objects.map((o) => ({ ...o, createdAt })), ignored: 0 };
    },
  },
];

function parseJson(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An SNS notification envelope (SNS → SQS without raw delivery): the payload is the string in `Message`. */
function unwrapSns(body: Json): Json | string | undefined {
  if (body.Type !== "Notification" || typeof body.Message !== "string" || !("TopicArn" in body)) return undefined;
  return parseJson(body.Message) ?? body.Message;
}

export interface DecodeOptions {
  /** Object notifications of which family this service accepts. */
  family: NotificationFamily;
  /** For services that take events carried in the message (EventBridge → SQS) instead of objects. */
  inline: boolean;
}

export function decodeNotification(messageBody: string, options: DecodeOptions): Notification {
  let body = parseJson(messageBody);
  if (body === undefined) return { kind: "unrecognised", reason: "body is not a JSON object" };
  const inner = unwrapSns(body);
  if (typeof inner === "string") return { kind: "unrecognised", reason: "SNS Message is not a JSON object" };
  const wrapped = inner !== undefined;
  if (inner !== undefined) body = inner;

  const rule = RULES.find((candidate) => candidate.matches(body));
  if (rule?.shape === "s3-test-event") return rule.read(body);
  if (options.inline) {
    // An S3 announcement on a queue of inline events is a wiring mistake worth a DLQ, not an event.
    if (rule !== undefined)
      return { kind: "unrecognised", reason: `${rule.shape} notification on a queue of inline events` };
    return { kind: "inline", shape: wrapped ? "sns-inline" : "inline", event: body };
  }
  if (rule === undefined) return { kind: "unrecognised", reason: "no known notification shape" };
  if (rule.families !== "any" && !rule.families.includes(options.family)) {
    return {
      kind: "unrecognised",
      reason: `${rule.shape} notification where ${options.family} notifications are expected`,
    };
  }
  const result = rule.read(body);
  if (wrapped && result.kind !== "unrecognised") return { ...result, shape: `sns/${result.shape}` };
  return result;
}
