import type { Message } from "@aws-sdk/client-sqs";
import type { ObjectStore } from "../../aws/wire/s3-wire-client.ts";
import type { SqsApi } from "../../aws/wire/sqs-wire-client.ts";
import { ObjectReadError } from "../../formats/object-read-error.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { backoffDelay, sleep } from "../../pipeline/backoff.ts";
import type { DevoEvent } from "../../pipeline/event.ts";
import {
  countIgnored,
  countSkipped,
  newParseStats,
  type ObjectContext,
  type ParseStats,
  type ServiceDefinition,
} from "../../services/service-definition.ts";
import {
  type AnnouncedObject,
  decodeNotification,
  type Notification,
  type NotificationFamily,
} from "../notifications/decode-notification.ts";
import { type Source, WorkAbandoned, type WorkItem, type WorkOptions } from "../work-item.ts";
import { BatchDeleter } from "./batch-deleter.ts";
import { describeCause } from "./describe-cause.ts";
import { type QueueService, routeInlineEvent, routeObject } from "./route-objects.ts";
import { VisibilityKeeper } from "./visibility-keeper.ts";

/** How a service turns what a message announces into events (the formats layer, injected). */
export interface MessageReaders {
  readObject(
    service: ServiceDefinition,
    body: AsyncIterable<Uint8Array>,
    context: ObjectContext,
  ): AsyncIterable<DevoEvent[]>;
  readInlineEvents(service: ServiceDefinition, messageBody: string, context: ObjectContext): DevoEvent[];
}

export interface SqsSourceSettings {
  /** `<input>/<services>/<region>`. */
  id: string;
  queueUrl: string;
  /**
   * Every service that reads this queue (one reader per queue). Object services take the objects routed to them
   * (route-objects.ts); event services (EventBridge → SQS) the events carried in messages.
   */
  services: readonly QueueService[];
  /** The queue's account and region: tag levels Devo takes "from the account used to do the data pulling". */
  pulledFrom?: { account: string; region: string };
  /**
   * Devo's `request_period_in_seconds` on a queue service: after finding the queue empty, the next receive starts
   * this long after the last one began. Undefined: long polls follow each other without pause.
   */
  requestPeriodSeconds?: number;
  waitTimeSeconds: number;
  maxMessages: number;
  visibilityTimeoutSeconds: number;
  maxVisibilitySeconds: number;
  /** A failed message becomes visible again after this many seconds, doubling with each receive. */
  retryBackoffSeconds: number;
  maxRetryBackoffSeconds: number;
}

export interface SqsSourceDeps {
  sqs: SqsApi;
  s3: ObjectStore;
  readers: MessageReaders;
  logger: Logger;
  metrics: Metrics;
}

interface Received {
  message: Message;
  receivedAt: number;
}

/** Message ids already reported as unrecognised, so a poison message is logged once, not on every receive. */
const REPORTED_LIMIT = 10_000;

/** With `--until-idle`, how often a queue whose messages are in flight elsewhere or delayed is polled again. */
const IDLE_RECHECK_MS = 250;

/**
 * Reads one SQS queue: long-polls, decodes each message, and hands the pipeline one work item per message.
 * A message is deleted only when the pipeline acknowledges it (every event of every object delivered); a
 * failed one becomes visible again after a backoff and, after the queue's maxReceiveCount, lands in its DLQ.
 */
export class SqsSource implements Source {
  readonly id: string;
  readonly #settings: SqsSourceSettings;
  readonly #deps: SqsSourceDeps;
  readonly #deleter: BatchDeleter;
  readonly #keeper: VisibilityKeeper;
  readonly #reported = new Set<string>();
  /** Messages handed to the pipeline and not yet acked or nacked. */
  #outstanding = 0;
  /** Waiting for the next ack or nack (see {@link #nextSettle}). */
  #settleWaiters: (() => void)[] = [];
  #buffer: Received[] = [];
  readonly #objectServices: readonly QueueService[];
  readonly #eventServices: readonly QueueService[];
  /** The notification families of the object services (`s3`, `fdr`), each tried in turn on a message. */
  readonly #families: readonly NotificationFamily[];

  constructor(settings: SqsSourceSettings, deps: SqsSourceDeps) {
    this.id = settings.id;
    this.#settings = settings;
    this.#eventServices = settings.services.filter((s) => s.definition.source === "sqs-events");
    this.#objectServices = settings.services.filter((s) => s.definition.source !== "sqs-events");
    this.#families = [...new Set(this.#objectServices.map((s) => s.definition.notifications ?? "s3"))];
    this.#deps = deps;
    this.#deleter = new BatchDeleter(deps.sqs, settings.queueUrl, deps.logger);
    this.#keeper = new VisibilityKeeper(deps.sqs, settings.queueUrl, deps.logger, {
      timeoutSeconds: settings.visibilityTimeoutSeconds,
      maxTotalSeconds: settings.maxVisibilitySeconds,
      onExtended: (count) => deps.metrics.visibilityExtensions.inc({ source: settings.id }, count),
    });
  }

  async *work(signal: AbortSignal, options: WorkOptions): AsyncIterable<WorkItem> {
    let failures = 0;
    try {
      while (!signal.aborted) {
        if (this.#buffer.length === 0) {
          let received: Message[];
          try {
            received = await this.#receive(signal, options);
            failures = 0;
            this.#deps.metrics.receives.inc({ source: this.id });
          } catch (error) {
            if (signal.aborted) break;
            failures++;
            this.#deps.metrics.receiveErrors.inc({ source: this.id });
            // A run that must end (--until-idle) ends on an error no retry can fix, or on one that outlasts the
            // retries, with the cause, instead of retrying forever and exiting 0 later.
            if (options.untilIdle && (isPermanent(error) || failures >= UNTIL_IDLE_MAX_RECEIVE_FAILURES)) {
              throw new Error(
                `${this.id}: receiving from ${this.#settings.queueUrl} failed${failures > 1 ? ` ${failures} times` : ""}: ${describeCause(error)}`,
              );
            }
            const delay = backoffDelay(failures, 500, 30_000);
            this.#deps.logger.error(
              { source: this.id, queue: this.#settings.queueUrl, err: describeCause(error), retryInMs: delay },
              "receiving from SQS failed",
            );
            await sleep(delay, signal);
            continue;
          }
          if (received.length === 0) {
            if (!options.untilIdle && this.#settings.requestPeriodSeconds !== undefined) {
              const pause = this.#settings.requestPeriodSeconds - this.#settings.waitTimeSeconds;
              if (pause > 0) await sleep(pause * 1000, signal);
            }
            if (options.untilIdle) {
              if (this.#outstanding > 0) {
                // Ours still in flight: look again as soon as one settles (it may be handed back).
                await this.#nextSettle(signal, 1000);
                continue;
              }
              if (await this.#isIdle(signal)) return;
              // In flight elsewhere or delayed: they may come back, so keep polling, gently.
              await sleep(IDLE_RECHECK_MS, signal);
            }
            continue;
          }
          const now = Date.now();
          for (const message of received) {
            this.#keeper.track(message.MessageId ?? "", message.ReceiptHandle ?? "", now);
            this.#buffer.push({ message, receivedAt: now });
          }
          this.#deps.metrics.messagesReceived.inc({ source: this.id }, received.length);
        }
        // A stop during the receive: what it brought is released below, not handed out.
        if (signal.aborted) break;
        const next = this.#buffer.shift();
        if (next === undefined) continue;
        const item = await this.#toWorkItem(next);
        if (item !== undefined) yield item;
      }
    } finally {
      // Messages received but never handed out go back to the queue at once.
      const left = this.#buffer.splice(0);
      await Promise.all(left.map(({ message }) => this.#release(message, 0, "shutdown")));
    }
  }

  async close(): Promise<void> {
    await this.#deleter.drain();
    this.#keeper.stop();
  }

  /**
   * A stop does not cut a long poll short: SQS can still hand messages to a request whose client has gone, and
   * those stay invisible for the whole visibility timeout. The poll ends within its wait; what it brings is
   * released at once. Only a poll still open 10 s past its wait after a stop is aborted.
   */
  async #receive(signal: AbortSignal, { untilIdle, ready }: WorkOptions): Promise<Message[]> {
    const { queueUrl, maxMessages, visibilityTimeoutSeconds, waitTimeSeconds } = this.#settings;
    // When draining, short polls: a long poll on an emptied queue would hold the end of the run for its
    // whole wait. A short poll can miss messages (it samples SQS's servers); the idle check catches that.
    const wait = untilIdle ? 0 : waitTimeSeconds;
    // No more than can start now: a message held here waits, invisible, while another worker may be idle.
    const wanted = Math.max(1, Math.min(maxMessages, ready?.() ?? maxMessages));
    const overrun = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onStop = () => {
      timer = setTimeout(() => overrun.abort(), (wait + 10) * 1000);
    };
    if (signal.aborted) onStop();
    else signal.addEventListener("abort", onStop, { once: true });
    try {
      const response = await this.#deps.sqs.receiveMessage(
        {
          QueueUrl: queueUrl,
          MaxNumberOfMessages: wanted,
          WaitTimeSeconds: wait,
          VisibilityTimeout: visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        },
        overrun.signal,
      );
      return response.Messages ?? [];
    } finally {
      signal.removeEventListener("abort", onStop);
      clearTimeout(timer);
    }
  }

  /** Resolves when a message handed out is acked or nacked, after `maxMs`, or when `signal` aborts. */
  #nextSettle(signal: AbortSignal, maxMs: number): Promise<void> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.#settleWaiters.push(() => stop.abort());
    return sleep(maxMs, stop.signal).finally(() => signal.removeEventListener("abort", onAbort));
  }

  /** Idle means: nothing of ours in flight, and nothing visible, in flight elsewhere or delayed on the queue. */
  async #isIdle(signal: AbortSignal): Promise<boolean> {
    if (this.#outstanding > 0 || this.#buffer.length > 0) return false;
    const response = await this.#deps.sqs.getQueueAttributes(
      {
        QueueUrl: this.#settings.queueUrl,
        AttributeNames: [
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed",
        ],
      },
      signal,
    );
    const attributes = response.Attributes ?? {};
    return [
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
    ]
      .map((name) => Number(attributes[name as keyof typeof attributes] ?? 0))
      .every((count) => count === 0);
  }

  /** Decodes a message for this queue's services: object notifications of each family first, then inline events. */
  #decode(body: string): Notification {
    let first: Notification | undefined;
    for (const family of this.#families) {
      const notification = decodeNotification(body, { family, inline: false });
      if (notification.kind !== "unrecognised") return notification;
      first ??= notification;
    }
    if (this.#eventServices.length > 0) return decodeNotification(body, { family: "s3", inline: true });
    return first ?? { kind: "unrecognised", reason: "no service on this queue reads messages" };
  }

  /** Service names for logs: all of the queue's, or the one an object was routed to. */
  get #serviceNames(): string {
    return this.#settings.services.map((s) => s.definition.name).join(", ");
  }

  /** Logs a message that no service can take, once per message id, and leaves it for the DLQ after a backoff. */
  async #reject(message: Message, reason: string, fields: Record<string, unknown> = {}): Promise<void> {
    const messageId = message.MessageId ?? "?";
    this.#deps.metrics.messagesUnrecognised.inc({ source: this.id });
    if (!this.#reported.has(messageId)) {
      if (this.#reported.size >= REPORTED_LIMIT) this.#reported.clear();
      this.#reported.add(messageId);
      this.#deps.logger.error(
        {
          source: this.id,
          service: this.#serviceNames,
          queue: this.#settings.queueUrl,
          messageId,
          receiveCount: receiveCount(message),
          reason,
          ...fields,
        },
        "unrecognised message left for the dead-letter queue",
      );
    }
    await this.#release(message, this.#backoffSeconds(message), "unrecognised");
  }

  async #toWorkItem({ message }: Received): Promise<WorkItem | undefined> {
    const messageId = message.MessageId ?? "?";
    const notification = this.#decode(message.Body ?? "");
    if (notification.kind === "nothing") {
      // s3:TestEvent and messages of only non-create records: delete quietly.
      this.#deps.metrics.messagesIgnored.inc({ source: this.id });
      this.#deps.logger.debug({ source: this.id, messageId, reason: notification.reason }, "message announces nothing");
      await this.#delete(message).catch(() => undefined);
      return undefined;
    }
    if (notification.kind === "unrecognised") {
      await this.#reject(message, notification.reason, { body: (message.Body ?? "").slice(0, 300) });
      return undefined;
    }

    const stats = newParseStats();
    const objects = notification.kind === "objects" ? notification.objects : [];
    // Every object is routed before anything is read: one that no service can take fails the message at once,
    // before its other objects are delivered (and delivered again when it comes back).
    const routed: RoutedObject[] = [];
    for (const object of objects) {
      const route = routeObject(this.#objectServices, this.#contextBase(object, stats));
      if (route.kind === "unclaimed") {
        await this.#reject(message, route.reason, { bucket: object.bucket, key: object.key });
        return undefined;
      }
      routed.push({
        object,
        service: route.kind === "service" ? route.service : undefined,
        reason: route.kind === "ignored" ? route.reason : undefined,
      });
    }
    const events =
      notification.kind === "inline"
        ? this.#inlineEvents(message, notification.event, stats)
        : this.#objectEvents(routed, stats);
    const description =
      notification.kind === "inline"
        ? `message ${messageId} (${notification.shape})`
        : `message ${messageId} (${objects.map((o) => `s3://${o.bucket}/${o.key}`).join(", ")})`;
    this.#outstanding++;
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.#outstanding--;
      for (const wake of this.#settleWaiters.splice(0)) wake();
      return true;
    };
    return {
      description,
      events,
      ack: async () => {
        if (!settle()) return;
        this.#recordSkips(stats);
        await this.#delete(message);
        const sentAt = Number(message.Attributes?.SentTimestamp);
        for (const object of objects.length > 0 ? objects : [{ createdAt: sentAt } as AnnouncedObject]) {
          const origin = object.createdAt ?? sentAt;
          if (Number.isFinite(origin))
            this.#deps.metrics.lag.observe({ source: this.id }, (Date.now() - origin) / 1000);
        }
      },
      nack: async (error: Error) => {
        if (!settle()) return;
        if (error instanceof WorkAbandoned) {
          await this.#release(message, 0, "shutdown");
          return;
        }
        const delay = this.#backoffSeconds(message);
        this.#deps.logger.error(
          {
            source: this.id,
            service: error instanceof ServiceReadError ? error.service : this.#serviceNames,
            queue: this.#settings.queueUrl,
            messageId,
            bucket: error instanceof ObjectReadError ? error.bucket : undefined,
            key: error instanceof ObjectReadError ? error.key : undefined,
            receiveCount: receiveCount(message),
            retryInSeconds: delay,
            cause: error.message,
          },
          "message failed; it will be retried and ends in the dead-letter queue after maxReceiveCount",
        );
        await this.#release(message, delay, "failed");
      },
    };
  }

  /** What every service's context for one object shares. */
  #contextBase(object: AnnouncedObject, stats: ParseStats) {
    return {
      bucket: object.bucket,
      key: object.key,
      stats,
      announcedAt: object.createdAt,
    };
  }

  async *#objectEvents(routed: RoutedObject[], stats: ParseStats): AsyncIterable<DevoEvent[]> {
    for (const { object, service, reason } of routed) {
      if (service === undefined) {
        countIgnored(stats, "left out by the filters of every service on the queue");
        this.#deps.logger.debug({ source: this.id, bucket: object.bucket, key: object.key, reason }, "object ignored");
        continue;
      }
      const { definition, options, module } = service;
      const context: ObjectContext = {
        ...this.#contextBase(object, stats),
        options,
        type: module,
        // Devo documents "taken from the account used to do the data pulling" for the AWS collector only.
        pulledFrom: definition.input === "aws" ? this.#settings.pulledFrom : undefined,
      };
      // Skipped objects (filtered keys, digests) are not even downloaded.
      const skip = definition.skipObject?.(context);
      if (skip !== undefined) {
        countIgnored(stats, skip);
        continue;
      }
      try {
        const { body } = await this.#deps.s3.getObject(object.bucket, object.key);
        const counted = this.#countBytes(body);
        yield* this.#deps.readers.readObject(definition, counted, context);
        this.#deps.metrics.objects.inc({ source: this.id });
      } catch (error) {
        this.#deps.metrics.objectFailures.inc({ source: this.id });
        throw ObjectReadError.at(object.bucket, object.key, error, `${definition.name}: ${describeCause(error)}`);
      }
    }
  }

  async *#countBytes(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of body) {
      this.#deps.metrics.bytes.inc({ source: this.id }, chunk.byteLength);
      yield chunk;
    }
  }

  async *#inlineEvents(
    message: Message,
    event: Record<string, unknown>,
    stats: ParseStats,
  ): AsyncIterable<DevoEvent[]> {
    const service = routeInlineEvent(this.#eventServices, event);
    if (service === undefined) {
      throw new Error(
        `message ${message.MessageId}: no service on this queue takes events of source '${String(event.source)}' (${this.#serviceNames})`,
      );
    }
    const context: ObjectContext = { bucket: "", key: "", options: service.options, stats };
    let body: string;
    try {
      body = JSON.stringify(event);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      // Parsing took it, writing it back overflows the stack (thousands of nesting levels): skip this event alone.
      countSkipped(stats, "event nested too deeply to re-serialize");
      this.#deps.logger.warn(
        { source: this.id, service: service.definition.name, messageId: message.MessageId },
        "event nested too deeply to re-serialize: skipped",
      );
      return;
    }
    const events = this.#deps.readers.readInlineEvents(service.definition, body, context);
    if (events.length === 0 && stats.skipped === 0) {
      throw new ServiceReadError(
        service.definition.name,
        `message ${message.MessageId} carries no event the ${service.definition.name} service can read`,
      );
    }
    yield events;
  }

  #recordSkips(stats: ParseStats): void {
    for (const [reason, count] of Object.entries(stats.skipReasons)) {
      this.#deps.metrics.skippedRecords.inc({ source: this.id, reason }, count);
    }
    // One line per object and reason: which records a size limit kept from Devo (bucket, key, sizes, limit).
    for (const dropped of stats.dropped ?? []) {
      this.#deps.logger.warn({ source: this.id, ...dropped }, "records over the size limit dropped");
    }
  }

  #backoffSeconds(message: Message): number {
    const { retryBackoffSeconds, maxRetryBackoffSeconds } = this.#settings;
    return Math.min(maxRetryBackoffSeconds, retryBackoffSeconds * 2 ** Math.max(0, receiveCount(message) - 1));
  }

  async #delete(message: Message): Promise<void> {
    try {
      await this.#deleter.delete(message.ReceiptHandle ?? "");
      this.#deps.metrics.messagesDeleted.inc({ source: this.id });
    } finally {
      this.#keeper.untrack(message.MessageId ?? "");
    }
  }

  /** Makes a message visible again after `seconds` (0: at once). It is never deleted here. */
  async #release(message: Message, seconds: number, reason: string): Promise<void> {
    this.#keeper.untrack(message.MessageId ?? "");
    this.#deps.metrics.messagesReturned.inc({ source: this.id, reason });
    try {
      await this.#deps.sqs.changeMessageVisibility({
        QueueUrl: this.#settings.queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      });
    } catch (error) {
      // The message still comes back when its current visibility timeout runs out: nothing is lost.
      this.#deps.logger.warn(
        { source: this.id, messageId: message.MessageId, err: describeCause(error) },
        "could not change the visibility of a returned message",
      );
    }
  }
}

interface RoutedObject {
  object: AnnouncedObject;
  /** Undefined: every service's filters leave the object out (`reason` says how). */
  service?: QueueService;
  reason?: string;
}

/** A failure that belongs to one service of the queue, named in the log line. */
class ServiceReadError extends Error {
  readonly service: string;
  constructor(service: string, message: string) {
    super(message);
    this.service = service;
  }
}

/** With `--until-idle`, consecutive receive failures after which the run ends (about 30 s of backoff). */
const UNTIL_IDLE_MAX_RECEIVE_FAILURES = 6;

/** Errors of SQS or of the credentials that retrying cannot fix: the queue, the permissions or the keys must change. */
const PERMANENT_ERRORS = new Set([
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "AccessDenied",
  "AccessDeniedException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidSecurity",
  "CredentialsProviderError",
]);

function isPermanent(error: unknown): boolean {
  const { name, message } = error as { name?: string; message?: string };
  if (name !== undefined && PERMANENT_ERRORS.has(name)) return true;
  // A refused AssumeRole: the trust policy, the ExternalId or the base identity must change.
  return name === "AssumeRoleError" && /\((?:AccessDenied|InvalidClientTokenId|ExpiredToken)\b/.test(message ?? "");
}

function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? 1);
}
