import type { IncomingMessage } from "node:http";
import { type EndpointVariant, s3Endpoint } from "../endpoints.ts";
import { AwsApiError } from "./aws-api-error.ts";
import { SignedHttp, type SignedHttpOptions } from "./signed-http.ts";
import { EMPTY_PAYLOAD_HASH, uriEncode } from "./sigv4.ts";

export interface ObjectBody {
  body: AsyncIterable<Uint8Array>;
  /** Content-Length of the answer. */
  bytes: number | undefined;
}

/** Reading whole objects: the one S3 call a queue reader makes. */
export interface ObjectStore {
  getObject(bucket: string, key: string, options?: GetObjectOptions): Promise<ObjectBody>;
  destroy(): void;
}

/** Where and how one client sends; the connection settings are those of the signed HTTP it is built on. */
export interface S3WireSettings
  extends Pick<SignedHttpOptions, "credentials" | "maxAttempts" | "proxy" | "userAgent" | "ca"> {
  region: string;
  /** Every request goes here (VPC endpoints, emulators, S3-compatible stores); otherwise AWS's regional endpoint. */
  endpointUrl?: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key` (emulators, S3-compatible stores). */
  forcePathStyle?: boolean;
  /** FIPS and dual-stack host names (endpoints.ts); ignored with `endpointUrl`, which is used as it is. */
  variant?: EndpointVariant;
}

export interface GetObjectOptions {
  /**
   * The account that must own the bucket (`x-amz-expected-bucket-owner`): S3 answers 403 for a bucket of any other
   * account, so a notification cannot make the worker read a bucket someone else created under a known name.
   */
  expectedOwner?: string;
}

/** Buckets whose names cannot be a TLS host label under `*.s3.<region>.amazonaws.com` (dots) go path-style. */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * The request path of a key: each `/`-separated segment percent-encoded (RFC 3986 unreserved characters kept),
 * nothing resolved. `.`, `..` and empty segments stay as they are: S3 keys are names, not paths, and `a/../b` is
 * its own object, never `b`.
 */
export function keyPath(key: string): string {
  return key.split("/").map(uriEncode).join("/");
}

/**
 * S3 GetObject, signed for `s3`. A bucket in another region than the client's answers with its region in
 * `x-amz-bucket-region`; the client follows it once and remembers it for that bucket.
 */
export class S3WireClient implements ObjectStore {
  readonly #http: SignedHttp;
  readonly #settings: S3WireSettings;
  readonly #bucketRegions = new Map<string, string>();

  constructor(settings: S3WireSettings) {
    this.#settings = settings;
    const { credentials, maxAttempts, proxy, userAgent, ca } = settings;
    this.#http = new SignedHttp({ credentials, maxAttempts, proxy, userAgent, ca });
  }

  async getObject(bucket: string, key: string, options: GetObjectOptions = {}): Promise<ObjectBody> {
    let region = this.#bucketRegions.get(bucket) ?? this.#settings.region;
    let response: IncomingMessage;
    try {
      response = await this.#get(bucket, key, region, options);
    } catch (error) {
      const elsewhere = this.#otherRegion(error, region);
      if (elsewhere === undefined) throw error;
      this.#bucketRegions.set(bucket, elsewhere);
      region = elsewhere;
      response = await this.#get(bucket, key, region, options);
    }
    const length = Number(response.headers["content-length"]);
    const bytes = Number.isFinite(length) ? length : undefined;
    return { body: checkedLength(response, bytes, `s3://${bucket}/${key}`), bytes };
  }

  destroy(): void {
    this.#http.destroy();
  }

  /**
   * The region S3 names for a bucket asked in the wrong one (301 PermanentRedirect, 400 on the signature's
   * region). Behind an endpoint override only the signing region changes; otherwise the host does too.
   */
  #otherRegion(error: unknown, asked: string): string | undefined {
    if (!(error instanceof AwsApiError)) return undefined;
    const named = error.bucketRegion;
    return named !== undefined && named !== asked ? named : undefined;
  }

  async #get(bucket: string, key: string, region: string, options: GetObjectOptions): Promise<IncomingMessage> {
    const { origin, path } = objectTarget(this.#settings, bucket, key, region);
    const headers: Record<string, string> = { "x-amz-content-sha256": EMPTY_PAYLOAD_HASH };
    if (options.expectedOwner !== undefined) headers["x-amz-expected-bucket-owner"] = options.expectedOwner;
    try {
      return await this.#http.send(
        { method: "GET", origin, path, headers, payloadHash: EMPTY_PAYLOAD_HASH },
        { region, service: "s3" },
      );
    } catch (error) {
      if (error instanceof AwsApiError) {
        // The log line names the request as sent: the exact key, and the owner it was asked under.
        error.message = `${error.message} (GET ${origin.protocol}//${origin.host}${path}${
          options.expectedOwner !== undefined ? `, expected bucket owner ${options.expectedOwner}` : ""
        })`;
      }
      throw error;
    }
  }
}

/**
 * Host and path of a GetObject, built from the bucket and the key's own segments: no URL parsing ever sees the key
 * (WHATWG URL parsing resolves `.` and `..`, which would read another object, or another bucket in path style).
 * Only the endpoint, which holds no key, is parsed.
 */
export function objectTarget(
  settings: Pick<S3WireSettings, "endpointUrl" | "forcePathStyle" | "variant">,
  bucket: string,
  key: string,
  region: string,
): { origin: URL; path: string } {
  const { endpointUrl, forcePathStyle } = settings;
  const endpoint = new URL(endpointUrl ?? s3Endpoint(region, settings.variant ?? NO_VARIANT));
  const base = endpoint.pathname.replace(/\/$/, "");
  if (forcePathStyle || !VIRTUAL_HOSTABLE.test(bucket)) {
    return { origin: endpoint, path: `${base}/${uriEncode(bucket)}/${keyPath(key)}` };
  }
  return { origin: new URL(`${endpoint.protocol}//${bucket}.${endpoint.host}`), path: `${base}/${keyPath(key)}` };
}

const NO_VARIANT: EndpointVariant = { fips: false, dualstack: false };

/**
 * The body as it arrives, failing if it ends short of its Content-Length: a connection closed mid-object must fail
 * the object (its message comes back), never pass for a complete one.
 */
async function* checkedLength(
  response: IncomingMessage,
  expected: number | undefined,
  where: string,
): AsyncGenerator<Uint8Array> {
  let received = 0;
  for await (const chunk of response as AsyncIterable<Uint8Array>) {
    received += chunk.byteLength;
    yield chunk;
  }
  if (expected !== undefined && received !== expected) {
    throw new Error(`${where}: the body ended after ${received} of its ${expected} bytes`);
  }
}
