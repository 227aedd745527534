import { createHmac, createSecretKey, hash, type KeyObject } from "node:crypto";
import type { AwsCredentialIdentity } from "@smithy/types";

/** What a request signs: its parts after the URL is resolved, with every header it will send. */
export interface RequestToSign {
  method: string;
  /** `host[:port]` exactly as the Host header carries it. */
  host: string;
  /** The path as it goes on the wire (already percent-encoded). */
  path: string;
  /** Header names in any case; `host` is added from `host`. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD` where the service allows it (S3). */
  payloadHash: string;
}

export interface SigningScope {
  region: string;
  /** The signing name: `sqs`, `s3`. */
  service: string;
}

export const EMPTY_PAYLOAD_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** One-shot `hash`: a third of the cost of a `createHash` object for the short texts signed per request. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}

/** `20150830T123600Z`: the x-amz-date form of a time. */
export function amzDate(time: Date): string {
  const iso = time.toISOString(); // 2015-08-30T12:36:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * The derived key changes once a day per secret, region and service; deriving it is four HMACs, so each signer
 * keeps the last one (a worker signs with one secret in one region per client).
 */
class SigningKeyCache {
  #id = "";
  #key: KeyObject | undefined;

  /** A KeyObject, so each request's HMAC does not import the key's bytes again. */
  get(secret: string, day: string, scope: SigningScope): KeyObject {
    const id = `${secret}\u0000${day}\u0000${scope.region}\u0000${scope.service}`;
    if (id !== this.#id) {
      const dayKey = createHmac("sha256", `AWS4${secret}`).update(day).digest();
      const regionKey = createHmac("sha256", dayKey).update(scope.region).digest();
      const serviceKey = createHmac("sha256", regionKey).update(scope.service).digest();
      this.#key = createSecretKey(createHmac("sha256", serviceKey).update("aws4_request").digest());
      this.#id = id;
    }
    return this.#key as KeyObject;
  }
}

/**
 * AWS Signature Version 4 in the Authorization header, as AWS's general reference describes it: canonical
 * request, string to sign under the day's credential scope, HMAC with the derived key. Returns the headers to
 * send: the request's own plus `host`, `x-amz-date`, the session token when there is one, and `authorization`.
 */
export class SigV4Signer {
  readonly #scope: SigningScope;
  readonly #keys = new SigningKeyCache();

  constructor(scope: SigningScope) {
    this.#scope = scope;
  }

  sign(request: RequestToSign, credentials: AwsCredentialIdentity, time: Date): Record<string, string> {
    const stamp = amzDate(time);
    const day = stamp.slice(0, 8);
    const headers: Record<string, string> = { host: request.host, "x-amz-date": stamp };
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names.map((name) => `${name}:${canonicalValue(headers[name])}\n`).join("");
    const signedHeaders = names.join(";");
    const mark = request.path.indexOf("?");
    const path = mark === -1 ? request.path : request.path.slice(0, mark);
    const query = mark === -1 ? "" : request.path.slice(mark + 1);
    const canonicalRequest = [
      request.method,
      path,
      canonicalQuery(query),
      canonicalHeaders,
      signedHeaders,
      request.payloadHash,
    ].join("\n");
    const scope = `${day}/${this.#scope.region}/${this.#scope.service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const key = this.#keys.get(credentials.secretAccessKey, day, this.#scope);
    const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }
}

/**
 * A header value as SigV4 signs it: line breaks become spaces, runs of spaces and tabs one space, no space at either
 * end. Only spaces and tabs: other Unicode white space (a no-break space) is part of the value, as the SDK signs it.
 */
function canonicalValue(value: string): string {
  return value
    .replace(/[\r\n]/g, " ")
    .replace(/[ \t]+/g, " ")
    .replace(/^ | $/g, "");
}

/** Query parameters sorted by name then value, each part in SigV4's strict percent-encoding. */
function canonicalQuery(query: string): string {
  if (query === "") return "";
  return query
    .split("&")
    .map((pair) => {
      // Only the first `=` separates: a value may hold more of them (`a=b=c` is `a` = `b=c`).
      const at = pair.indexOf("=");
      const name = at === -1 ? pair : pair.slice(0, at);
      const value = at === -1 ? "" : pair.slice(at + 1);
      return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))] as const;
    })
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/** RFC 3986 unreserved characters stay, everything else is %XX (upper case): SigV4's URI encoding. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
