import { Buffer } from "node:buffer";
import type { Agent as HttpAgent, IncomingMessage, RequestOptions } from "node:http";
import https from "node:https";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { http } from "../../runtime/node-http.ts";
import { memoizeCredentials } from "../memoize-credentials.ts";
import { AwsApiError, parseAwsError } from "./aws-api-error.ts";
import { type ProxyRoutes, type ProxyServer, proxyFor, TunnelingAgent } from "./proxy.ts";
import { isRetryable, isThrottling, RetryQuota, retryCost, retryDelayMs, SKEW, TimeoutError } from "./retry-policy.ts";
import { type SigningScope, SigV4Signer } from "./sigv4.ts";

export interface SignedRequest {
  method: "GET" | "POST";
  /** Scheme, host and port of the request; its path is ignored (see `path`). */
  origin: URL;
  /**
   * The path and query exactly as sent and signed, already percent-encoded. Never parsed as a URL: WHATWG URL
   * parsing resolves `.` and `..` segments, and an S3 key such as `a/../b` would become another object.
   */
  path: string;
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
  /** `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, read once at start-up (proxy.ts). */
  proxy?: ProxyRoutes;
  /** Sent on every request, unsigned (as the SDK does): `aws-devo-collector/0.1.0 …`. */
  userAgent?: string;
  /** PEM certificates trusted instead of the default roots (`AWS_CA_BUNDLE`: TLS-inspecting proxies, private CAs). */
  ca?: string;
  /** The retry quota; by default the client's own. */
  retryQuota?: RetryQuota;
  /** Seam for tests: the pause between attempts. */
  sleep?: (ms: number) => Promise<void>;
}

/** An error body is read for its code and message only: a few KiB say all of it. */
const MAX_ERROR_BODY = 64 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** The SDK's threshold: a server clock this far from ours (Date header) moves the signing clock. */
const CLOCK_SKEW_MS = 5 * 60_000;

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
 * Signed HTTP requests to one AWS service, on keep-alive connections (through the environment's proxy when it
 * names one), with the retry rules of AWS's standard mode (`retry-policy.ts`) and its retry quota. This is what
 * the AWS SDK does per call, without its per-call middleware stack, which costs about 1 ms of CPU per request: a
 * worker on small objects makes three requests per object.
 */
export class SignedHttp {
  readonly #credentials: ReturnType<typeof memoizeCredentials>;
  readonly #options: SignedHttpOptions;
  readonly #quota: RetryQuota;
  readonly #agents: { "http:": HttpAgent; "https:": https.Agent };
  readonly #proxyAgents = new Map<ProxyServer, HttpAgent>();
  readonly #signers = new Map<string, SigV4Signer>();
  /** Server time minus ours, learnt from the Date of answers; requests are signed in the server's time. */
  #clockOffsetMs = 0;

  constructor(options: SignedHttpOptions) {
    this.#options = options;
    this.#credentials = memoizeCredentials(options.credentials);
    this.#quota = options.retryQuota ?? new RetryQuota();
    this.#agents = {
      "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
      "https:": new https.Agent({ keepAlive: true, maxSockets: 64, ...this.#tls() }),
    };
  }

  #tls(): { ca?: string } {
    return this.#options.ca === undefined ? {} : { ca: this.#options.ca };
  }

  /** Server time minus ours, as learnt from answers. */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
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
    for (const agent of this.#proxyAgents.values()) agent.destroy();
  }

  /**
   * Attempts until success, a failure not worth retrying, `maxAttempts`, or a retry the quota cannot pay. A
   * clock-skew error that moved our clock is retried at once and free: it is our clock, not the service, that
   * failed.
   */
  async #withRetries<T>(request: SignedRequest, attemptOnce: () => Promise<T>): Promise<T> {
    let lastCost: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const offset = this.#clockOffsetMs;
      try {
        const result = await attemptOnce();
        this.#quota.succeeded(lastCost);
        return result;
      } catch (error) {
        const aborted = request.signal?.aborted === true;
        // Skewed: AWS said so, and its Date moved our signing clock since this attempt was signed.
        const skewed =
          !aborted && error instanceof AwsApiError && SKEW.has(error.name) && this.#clockOffsetMs !== offset;
        if (attempt >= this.#options.maxAttempts) throw error;
        if (!skewed) {
          if (!isRetryable(error, aborted)) throw error;
          lastCost = retryCost(error);
          if (!this.#quota.take(lastCost)) throw error;
        }
        await (this.#options.sleep ?? pause)(skewed ? 0 : retryDelayMs(attempt, isThrottling(error)));
      }
    }
  }

  /** The SDK's rule, on every answer: a Date more than 5 minutes from our clock (with its offset) moves it. */
  #learnClock(date: string | undefined): void {
    if (date === undefined) return;
    const server = Date.parse(date);
    if (Number.isNaN(server)) return;
    const now = Date.now();
    if (Math.abs(server - (now + this.#clockOffsetMs)) < CLOCK_SKEW_MS) return;
    this.#clockOffsetMs = server - now;
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

  #proxyAgent(proxy: ProxyServer, secure: boolean): HttpAgent {
    let agent = this.#proxyAgents.get(proxy);
    if (agent === undefined) {
      agent = secure
        ? new TunnelingAgent(proxy, { keepAlive: true, maxSockets: 64, ...this.#tls() })
        : new http.Agent({ keepAlive: true, maxSockets: 64 });
      this.#proxyAgents.set(proxy, agent);
    }
    return agent;
  }

  async #attempt(request: SignedRequest, scope: SigningScope): Promise<IncomingMessage> {
    const { origin, path } = request;
    const credentials = await this.#credentials();
    const headers = this.#signer(scope).sign(
      { method: request.method, host: origin.host, path, headers: request.headers, payloadHash: request.payloadHash },
      credentials,
      new Date(Date.now() + this.#clockOffsetMs),
    );
    if (request.body !== undefined) headers["content-length"] = String(Buffer.byteLength(request.body));
    if (this.#options.userAgent !== undefined) headers["user-agent"] = this.#options.userAgent;
    const secure = origin.protocol === "https:";
    const proxy = proxyFor(this.#options.proxy, origin);
    // Plain HTTP through a proxy: the request goes to the proxy in absolute form; HTTPS: through a CONNECT tunnel.
    const direct = proxy === undefined || secure;
    if (!direct && proxy.authorization !== undefined) headers["proxy-authorization"] = proxy.authorization;
    const options: RequestOptions = {
      agent: proxy === undefined ? this.#agents[secure ? "https:" : "http:"] : this.#proxyAgent(proxy, secure),
      method: request.method,
      hostname: direct ? origin.hostname.replace(/^\[|\]$/g, "") : proxy.hostname,
      port: direct ? origin.port : proxy.port,
      path: direct ? path : `${origin.protocol}//${origin.host}${path}`,
      headers,
      signal: request.signal,
    };
    const transport = secure ? https : http;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = transport.request(options, resolve);
      outgoing.setTimeout(this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () =>
        outgoing.destroy(new TimeoutError(`no answer from ${origin.host} within the idle timeout`)),
      );
      outgoing.once("error", reject);
      outgoing.end(request.body);
    });
    const date = response.headers.date;
    this.#learnClock(typeof date === "string" ? date : undefined);
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    const body = await readText(response, MAX_ERROR_BODY);
    throw parseAwsError(status, response.headers, body);
  }
}
