import assert from "node:assert/strict";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { describe, it } from "node:test";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SourceData } from "@smithy/types";
import fc from "fast-check";
import { SigV4Signer, sha256Hex, uriEncode } from "../../../../worker/aws/wire/sigv4.ts";

/** The SDK signer's hash seam (`Checksum`) on node:crypto: SHA-256, or HMAC-SHA256 when given a secret. */
class Sha256 {
  readonly #secret: string | Uint8Array | undefined;
  #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#secret =
      secret === undefined || typeof secret === "string"
        ? secret
        : secret instanceof ArrayBuffer
          ? new Uint8Array(secret)
          : new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength);
    this.#hash = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash("sha256") : createHmac("sha256", this.#secret);
  }
  update(data: string | Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

/** Header names the SDK signs (it leaves out user-agent, connection and the like, which we never sign either). */
const headerName = fc.oneof(
  fc.constantFrom("content-type", "x-amz-target", "x-amz-expected-bucket-owner", "range", "if-match", "X-Amz-Meta-Tag"),
  fc.stringMatching(/^x-[a-z0-9]{1,8}(-[a-z0-9]{1,6})?$/),
);
/** Header values with odd spacing: leading, trailing and repeated spaces and tabs, latin-1 beyond ASCII. */
const headerValue = fc
  .array(fc.oneof(fc.constantFrom(" ", "  ", "\t", " \t ", "\u00a0", "=", ";", ","), fc.string({ minLength: 1 })), {
    maxLength: 6,
  })
  .map((parts) => parts.join("").replace(/[^\t\x20-\x7e\u00a0-\u00ff]/g, "x"));
/** Any Unicode, and the characters that mean something in a path or a query. */
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: fc.constantFrom("/", "?", "=", "&", "+", "%", " ", ".", "~", "*", "'", "!", "#"), maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);
/** A string that survives encodeURIComponent (no lone surrogates), as every real key and parameter does. */
const wellFormed = text.map((value) => value.toWellFormed());

const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "HEAD"),
  service: fc.constantFrom("s3", "sqs"),
  region: fc.constantFrom("us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1", "us-iso-east-1"),
  key: fc.array(wellFormed, { minLength: 1, maxLength: 4 }).map((segments) => segments.join("/")),
  query: fc.array(fc.tuple(wellFormed, wellFormed), { maxLength: 5 }),
  repeat: fc.boolean(),
  headers: fc.uniqueArray(fc.tuple(headerName, headerValue), {
    maxLength: 5,
    selector: ([name]) => name.toLowerCase(),
  }),
  body: fc.string({ maxLength: 40 }),
  sessionToken: fc.option(fc.string({ minLength: 1, maxLength: 60 }).map((token) => token.replace(/[^!-~]/g, "A"))),
  secret: fc.string({ minLength: 1, maxLength: 40 }),
  time: fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }),
});

describe("SigV4Signer against the AWS SDK's signer (@smithy/signature-v4)", () => {
  it("gives the same Authorization header for random requests", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        // A repeated parameter: the same name again with another value, which must sort by value.
        const query = r.repeat && r.query.length > 0 ? [...r.query, [r.query[0][0], `${r.query[0][1]}=x`]] : r.query;
        const path = `/${r.key.split("/").map(uriEncode).join("/")}`;
        const rawQuery = query.map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`).join("&");
        const credentials = {
          accessKeyId: "AKIDEXAMPLE",
          secretAccessKey: r.secret,
          ...(r.sessionToken === null ? {} : { sessionToken: r.sessionToken }),
        };
        const host = r.service === "s3" ? "bucket.s3.amazonaws.com" : "sqs.us-east-1.amazonaws.com";
        const payloadHash = sha256Hex(r.body);
        // S3 requests carry their payload hash as a header (ours do, and the SDK adds it for s3).
        const headers: Record<string, string> = {
          ...Object.fromEntries(r.headers),
          ...(r.service === "s3" ? { "x-amz-content-sha256": payloadHash } : {}),
        };

        const ours = new SigV4Signer({ region: r.region, service: r.service }).sign(
          { method: r.method, host, path: rawQuery === "" ? path : `${path}?${rawQuery}`, headers, payloadHash },
          credentials,
          r.time,
        );

        const sdkQuery: Record<string, string | string[]> = {};
        for (const [name, value] of query) {
          if (name === "__proto__") return; // not a plain object key; no AWS API names a parameter so
          const seen = Object.hasOwn(sdkQuery, name) ? sdkQuery[name] : undefined;
          sdkQuery[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
        }
        const sdk = new SignatureV4({
          credentials,
          region: r.region,
          service: r.service,
          sha256: Sha256,
          // The payload hash header is the request's own (ours adds it for S3), not added by the signer.
          applyChecksum: false,
          // S3 signs the path as sent; the other services' paths here are the same once normalised.
          uriEscapePath: false,
        });
        const signed = await sdk.sign(
          {
            method: r.method,
            protocol: "https:",
            hostname: host,
            path,
            query: sdkQuery,
            headers: { ...headers, host },
            body: r.body,
          },
          { signingDate: r.time },
        );
        assert.equal(ours.authorization, signed.headers.authorization);
      }),
      { numRuns: 600 },
    );
  });

  it("signs a value holding `=` whole (the SDK's reading of `a=b=c`)", async () => {
    const time = new Date("2024-05-01T00:00:00Z");
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
    const ours = new SigV4Signer({ region: "us-east-1", service: "s3" }).sign(
      {
        method: "GET",
        host: "h",
        path: "/k?a=b%3Dc&a=b&z",
        headers: { "x-amz-content-sha256": sha256Hex("") },
        payloadHash: sha256Hex(""),
      },
      credentials,
      time,
    );
    const sdk = await new SignatureV4({ credentials, region: "us-east-1", service: "s3", sha256: Sha256 }).sign(
      {
        method: "GET",
        protocol: "https:",
        hostname: "h",
        path: "/k",
        query: { a: ["b=c", "b"], z: "" },
        headers: { host: "h", "x-amz-content-sha256": sha256Hex("") },
      },
      { signingDate: time },
    );
    assert.equal(ours.authorization, sdk.headers.authorization);
    // An unencoded `=` inside the value reads the same: only the first one separates.
    const raw = new SigV4Signer({ region: "us-east-1", service: "s3" }).sign(
      {
        method: "GET",
        host: "h",
        path: "/k?a=b=c&a=b&z",
        headers: { "x-amz-content-sha256": sha256Hex("") },
        payloadHash: sha256Hex(""),
      },
      credentials,
      time,
    );
    assert.equal(raw.authorization, sdk.headers.authorization);
  });
});
