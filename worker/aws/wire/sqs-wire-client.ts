import { hash } from "node:crypto";
import type {
  ChangeMessageVisibilityBatchRequest,
  ChangeMessageVisibilityBatchResult,
  ChangeMessageVisibilityRequest,
  DeleteMessageBatchRequest,
  DeleteMessageBatchResult,
  GetQueueAttributesRequest,
  GetQueueAttributesResult,
  GetQueueUrlRequest,
  GetQueueUrlResult,
  ReceiveMessageRequest,
  ReceiveMessageResult,
} from "@aws-sdk/client-sqs";
import { type EndpointVariant, sqsEndpoint } from "../endpoints.ts";
import { SignedHttp, type SignedHttpOptions } from "./signed-http.ts";
import { sha256Hex } from "./sigv4.ts";

/** The SQS operations a queue reader needs, in the SDK's request and result shapes (SQS's JSON protocol uses them as they are). */
export interface SqsApi {
  receiveMessage(input: ReceiveMessageRequest, signal?: AbortSignal): Promise<ReceiveMessageResult>;
  deleteMessageBatch(input: DeleteMessageBatchRequest): Promise<DeleteMessageBatchResult>;
  changeMessageVisibility(input: ChangeMessageVisibilityRequest): Promise<void>;
  changeMessageVisibilityBatch(input: ChangeMessageVisibilityBatchRequest): Promise<ChangeMessageVisibilityBatchResult>;
  getQueueAttributes(input: GetQueueAttributesRequest, signal?: AbortSignal): Promise<GetQueueAttributesResult>;
  /** A queue's URL from its name (and owner account), in the client's region. */
  getQueueUrl(input: GetQueueUrlRequest): Promise<GetQueueUrlResult>;
  destroy(): void;
}

/** Where and how one client sends; the connection settings are those of the signed HTTP it is built on. */
export interface SqsWireSettings
  extends Pick<SignedHttpOptions, "credentials" | "maxAttempts" | "proxy" | "userAgent" | "ca"> {
  region: string;
  /** Every request goes here when set (emulators, VPC endpoints); otherwise to the queue URL's own host. */
  endpointUrl?: string;
  /**
   * FIPS and dual-stack host names (endpoints.ts). With either, every request goes to that regional endpoint and
   * the queue URL is only a parameter (the SDK would follow the queue URL's host, which is neither).
   */
  variant?: EndpointVariant;
}

/**
 * SQS over its JSON protocol (`X-Amz-Target: AmazonSQS.<Operation>`), signed for `sqs` in the client's region.
 * Without an endpoint override a request goes to the host of its queue URL, as the AWS SDK does by default.
 */
export class SqsWireClient implements SqsApi {
  readonly #http: SignedHttp;
  readonly #settings: SqsWireSettings;

  constructor(settings: SqsWireSettings) {
    this.#settings = settings;
    const { credentials, maxAttempts, proxy, userAgent, ca } = settings;
    this.#http = new SignedHttp({ credentials, maxAttempts, proxy, userAgent, ca });
  }

  async receiveMessage(input: ReceiveMessageRequest, signal?: AbortSignal): Promise<ReceiveMessageResult> {
    const result = await this.#call<ReceiveMessageResult>("ReceiveMessage", input, signal);
    // The SDK's integrity check, kept: a body altered on the way fails the receive; its messages come back.
    const altered = (result.Messages ?? []).filter(
      (message) => message.MD5OfBody !== undefined && hash("md5", message.Body ?? "", "hex") !== message.MD5OfBody,
    );
    if (altered.length > 0) {
      throw new Error(
        `ReceiveMessage on ${input.QueueUrl}: the body of message ${altered.map((m) => m.MessageId).join(", ")} does not match its MD5OfBody`,
      );
    }
    return result;
  }

  deleteMessageBatch(input: DeleteMessageBatchRequest): Promise<DeleteMessageBatchResult> {
    return this.#call("DeleteMessageBatch", input);
  }

  async changeMessageVisibility(input: ChangeMessageVisibilityRequest): Promise<void> {
    await this.#call("ChangeMessageVisibility", input);
  }

  changeMessageVisibilityBatch(
    input: ChangeMessageVisibilityBatchRequest,
  ): Promise<ChangeMessageVisibilityBatchResult> {
    return this.#call("ChangeMessageVisibilityBatch", input);
  }

  getQueueAttributes(input: GetQueueAttributesRequest, signal?: AbortSignal): Promise<GetQueueAttributesResult> {
    return this.#call("GetQueueAttributes", input, signal);
  }

  getQueueUrl(input: GetQueueUrlRequest): Promise<GetQueueUrlResult> {
    return this.#call("GetQueueUrl", input);
  }

  destroy(): void {
    this.#http.destroy();
  }

  /**
   * A request goes to the endpoint override, else to the FIPS / dual-stack regional endpoint when asked for, else to
   * its queue URL's host, else (GetQueueUrl, which has no queue URL yet) to the region's SQS endpoint.
   */
  #call<T>(operation: string, input: object & { QueueUrl?: string }, signal?: AbortSignal): Promise<T> {
    const body = JSON.stringify(input);
    const { endpointUrl, region } = this.#settings;
    const variant = this.#settings.variant ?? { fips: false, dualstack: false };
    const special = variant.fips || variant.dualstack;
    const origin = new URL(endpointUrl ?? (special ? undefined : input.QueueUrl) ?? sqsEndpoint(region, variant));
    return this.#http.json<T>(
      {
        method: "POST",
        origin,
        path: "/",
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${operation}` },
        body,
        payloadHash: sha256Hex(body),
        signal,
      },
      { region, service: "sqs" },
    );
  }
}
