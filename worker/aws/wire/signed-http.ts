import { Buffer } from "node:buffer";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { memoizeCredentials } from "../memoize-credentials.ts";
import { AwsApiError, parseAwsError } from "./aws-api-error.ts";
import { isRetryable, isThrottling, retryDelayMs, SKEW } from "./retry-policy.ts";
import { type SigningScope, SigV4Signer } from "./sigv4.ts";

export interface SignedRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Hex SHA-256 of `body` (or the empty payload's), signed as the payload hash. */
  payloadHash: string;
  signal?: AbortSignal;
}

export interface SignedHttpOptions {
  credentials: AwsCredentialIdentityProvider;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** A request or body with no byte for this long fails (and is retried if nothing was consumed yet). */
  idleTimeoutMs?: number;
  /** Seam for tests: the pause between attempts. */
  sleep?: (ms: number) => Promise<void>;
}

/** An error body is read for its code and message only: a few KiB say all of it. */
const MAX_ERROR_BODY = 64 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readText(response: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (size < limit) chunks.push(chunk);
    size += chunk.byteLength;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Signed HTTP requests to one AWS service, on keep-alive connections, with the retry rules of AWS's standard mode
 * (`retry-policy.ts`). This is what the AWS SDK does per call, without its per-call middleware stack, which
 * costs about 1 ms of CPU per request: a worker on small objects makes three requests per object.
 */
export class SignedHttp {
  readonly #credentials: ReturnType<typeof memoizeCredentials>;
  readonly #options: SignedHttpOptions;
  readonly #agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  readonly #signers = new Map<string, SigV4Signer>();
  /** Server time minus ours, learnt from a skew error; requests are signed in the server's time. */
  #clockOffsetMs = 0;

  constructor(options: SignedHttpOptions) {
    this.#options = options;
    this.#credentials = memoizeCredentials(options.credentials);
  }

  /**
   * Sends until a 2xx answer or a failure not worth retrying. The answer's body is the caller's to read; every
   * failure is an `AwsApiError` (AWS answered) or the transport's own error (no answer).
   */
  send(request: SignedRequest, scope: SigningScope): Promise<IncomingMessage> {
    return this.#withRetries(request, () => this.#attempt(request, scope));
  }

  /**
   * Reads a JSON answer whole (control-plane answers are small). An answer cut mid-body is retried like one that
   * never came: a receive whose answer is lost leaves its messages invisible until their timeout, never lost.
   */
  json<T>(request: SignedRequest, scope: SigningScope): Promise<T> {
    return this.#withRetries(request, async () => {
      const text = await readText(await this.#attempt(request, scope), Number.POSITIVE_INFINITY);
      return (text.trim() === "" ? {} : JSON.parse(text)) as T;
    });
  }

  destroy(): void {
    this.#agents["http:"].destroy();
    this.#agents["https:"].destroy();
  }

  async #withRetries<T>(request: SignedRequest, attemptOnce: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce();
      } catch (error) {
        const aborted = request.signal?.aborted === true;
        const skewed = this.#followServerClock(error);
        if (attempt >= this.#options.maxAttempts || !(skewed || isRetryable(error, aborted))) throw error;
        await (this.#options.sleep ?? pause)(skewed ? 0 : retryDelayMs(attempt, isThrottling(error)));
      }
    }
  }

  #followServerClock(error: unknown): boolean {
    if (!(error instanceof AwsApiError) || !SKEW.has(error.name) || error.serverTime === undefined) return false;
    const offset = error.serverTime - Date.now();
    if (Math.abs(offset - this.#clockOffsetMs) < 60_000) return false;
    this.#clockOffsetMs = offset;
    return true;
  }

  #signer(scope: SigningScope): SigV4Signer {
    const id = `${scope.region}/${scope.service}`;
    let signer = this.#signers.get(id);
    if (signer === undefined) {
      signer = new SigV4Signer(scope);
      this.#signers.set(id, signer);
    }
    return signer;
  }

  async #attempt(request: SignedRequest, scope: SigningScope): Promise<IncomingMessage> {
    const { url } = request;
    const credentials = await this.#credentials();
    const path = `${url.pathname}${url.search}`;
    const headers = this.#signer(scope).sign(
      { method: request.method, host: url.host, path, headers: request.headers, payloadHash: request.payloadHash },
      credentials,
      new Date(Date.now() + this.#clockOffsetMs),
    );
    if (request.body !== undefined) headers["content-length"] = String(Buffer.byteLength(request.body));
    const secure = url.protocol === "https:";
    const transport = secure ? https : http;
    const agent = this.#agents[secure ? "https:" : "http:"];
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = transport.request(
        {
          agent,
          method: request.method,
          hostname: url.hostname,
          port: url.port,
          path,
          headers,
          signal: request.signal,
        },
        resolve,
      );
      outgoing.setTimeout(this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () =>
        outgoing.destroy(new Error(`no answer from ${url.host} within the idle timeout`)),
      );
      outgoing.once("error", reject);
      outgoing.end(request.body);
    });
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    const body = await readText(response, MAX_ERROR_BODY);
    throw parseAwsError(status, response.headers, body);
  }
}
