import type { IncomingMessage } from "node:http";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { AwsApiError } from "./aws-api-error.ts";
import { SignedHttp } from "./signed-http.ts";
import { EMPTY_PAYLOAD_HASH, uriEncode } from "./sigv4.ts";

export interface ObjectBody {
  body: AsyncIterable<Uint8Array>;
  /** Content-Length of the answer. */
  bytes: number | undefined;
}

/** Reading whole objects: the one S3 call a queue reader makes. */
export interface ObjectStore {
  getObject(bucket: string, key: string): Promise<ObjectBody>;
  destroy(): void;
}

export interface S3WireSettings {
  region: string;
  endpointUrl?: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key` (emulators, S3-compatible stores). */
  forcePathStyle?: boolean;
  credentials: AwsCredentialIdentityProvider;
  maxAttempts: number;
}

/** Buckets whose names cannot be a TLS host label under `*.s3.<region>.amazonaws.com` (dots) go path-style. */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

function dnsSuffix(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
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
    this.#http = new SignedHttp({ credentials: settings.credentials, maxAttempts: settings.maxAttempts });
  }

  async getObject(bucket: string, key: string): Promise<ObjectBody> {
    let region = this.#bucketRegions.get(bucket) ?? this.#settings.region;
    let response: IncomingMessage;
    try {
      response = await this.#get(bucket, key, region);
    } catch (error) {
      const elsewhere = this.#otherRegion(error, region);
      if (elsewhere === undefined) throw error;
      this.#bucketRegions.set(bucket, elsewhere);
      region = elsewhere;
      response = await this.#get(bucket, key, region);
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

  #get(bucket: string, key: string, region: string): Promise<IncomingMessage> {
    return this.#http.send(
      {
        method: "GET",
        url: this.#url(bucket, key, region),
        headers: { "x-amz-content-sha256": EMPTY_PAYLOAD_HASH },
        payloadHash: EMPTY_PAYLOAD_HASH,
      },
      { region, service: "s3" },
    );
  }

  #url(bucket: string, key: string, region: string): URL {
    const path = key.split("/").map(uriEncode).join("/");
    const { endpointUrl, forcePathStyle } = this.#settings;
    const endpoint = new URL(endpointUrl ?? `https://s3.${region}.${dnsSuffix(region)}`);
    const base = endpoint.pathname.replace(/\/$/, "");
    if (forcePathStyle || !VIRTUAL_HOSTABLE.test(bucket)) {
      return new URL(`${endpoint.origin}${base}/${uriEncode(bucket)}/${path}`);
    }
    return new URL(`${endpoint.protocol}//${bucket}.${endpoint.host}${base}/${path}`);
  }
}

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
