import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { after, before, describe, it } from "node:test";
import { DEMO, type EmbeddedAws, startEmbeddedAws } from "../../../../scripts/fixtures/demo-stack.ts";
import { proxyRoutesFromEnv } from "../../../../worker/aws/wire/proxy.ts";
import { keyPath, S3WireClient } from "../../../../worker/aws/wire/s3-wire-client.ts";
import { LocalAwsServer } from "./local-aws-server.ts";
import { TestProxy } from "./test-proxy.ts";

const credentials = async () => DEMO.credentials;
const OTHER_BUCKET = "other-bucket";

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Keys an attacker who can write into a watched bucket would choose, each with the object a normalising client
 * would read instead (the decoy). Each must read exactly its own object.
 */
const KEYS: { key: string; path: string }[] = [
  { key: "logs/x/../real.json", path: "logs/x/../real.json" },
  { key: "../other-bucket/secret.json", path: "../other-bucket/secret.json" },
  { key: "x/..", path: "x/.." },
  { key: ".", path: "." },
  { key: "..", path: ".." },
  { key: "./a", path: "./a" },
  { key: "a/./b", path: "a/./b" },
  { key: "a/.", path: "a/." },
  { key: "a//b", path: "a//b" },
  { key: "/lead", path: "/lead" },
  { key: "trail/", path: "trail/" },
  { key: "dot.", path: "dot." },
  { key: "dot..", path: "dot.." },
  { key: "%2e%2e/y", path: "%252e%252e/y" },
  { key: "%2E", path: "%252E" },
  { key: "a/%2e%2e/b", path: "a/%252e%252e/b" },
];
/** What each would become through URL normalisation or decoding: present in the bucket, never read. */
const DECOYS = ["logs/real.json", "a", "a/b", "b", "lead", "trail", "dot", "y", "secret.json"];

describe("S3 keys are requested exactly as announced (fauxqs, both addressing styles)", () => {
  let aws: EmbeddedAws;
  let proxy: TestProxy;
  let proxyUrl: string;
  before(async () => {
    aws = await startEmbeddedAws();
    aws.server.createBucket(OTHER_BUCKET);
    for (const { key } of KEYS) await aws.put(key, `own:${key}`);
    for (const decoy of DECOYS) await aws.put(decoy, `decoy:${decoy}`);
    await aws.put("secret.json", "decoy:other-bucket/secret.json", OTHER_BUCKET);
    proxy = new TestProxy();
    proxyUrl = await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    await aws.stop();
  });

  for (const style of ["path-style", "virtual-hosted"] as const) {
    it(`${style}: every dot-segment, double-slash and %2e key reads its own object`, async () => {
      // Virtual-hosted names (`<bucket>.localhost`) do not resolve here: the test proxy connects them.
      const s3 = new S3WireClient({
        region: DEMO.region,
        endpointUrl: style === "path-style" ? aws.endpoint : aws.endpoint.replace("127.0.0.1", "localhost"),
        forcePathStyle: style === "path-style",
        credentials,
        maxAttempts: 1,
        ...(style === "virtual-hosted" ? { proxy: proxyRoutesFromEnv({ HTTP_PROXY: proxyUrl }) } : {}),
      });
      try {
        for (const { key } of KEYS) {
          const object = await s3.getObject(DEMO.bucket, key);
          assert.equal(await readAll(object.body), `own:${key}`, key);
        }
      } finally {
        s3.destroy();
      }
      if (style === "virtual-hosted") {
        assert.ok(
          proxy.seen.some((r) => r.target.includes(`//${DEMO.bucket}.localhost:`) && r.target.endsWith("/x/..")),
        );
      }
    });
  }
});

describe("S3 request lines carry the key's own segments, percent-encoded and never resolved (recording server)", () => {
  let server: LocalAwsServer;
  let endpoint: string;
  let proxy: TestProxy;
  let proxyUrl: string;
  before(async () => {
    server = new LocalAwsServer((request, response) => response.end(`raw:${request.url}`));
    endpoint = await server.start();
    proxy = new TestProxy();
    proxyUrl = await proxy.start();
  });
  after(async () => {
    await proxy.stop();
    await server.stop();
  });

  it("keyPath keeps RFC 3986 unreserved characters and encodes everything else, segment by segment", () => {
    assert.equal(keyPath("a b/ü+€/~_.-/(x)*!'"), "a%20b/%C3%BC%2B%E2%82%AC/~_.-/%28x%29%2A%21%27");
    for (const { key, path } of KEYS) assert.equal(keyPath(key), path, key);
  });

  for (const style of ["path-style", "virtual-hosted"] as const) {
    it(`${style}: the request target is the bucket and key as announced`, async () => {
      server.seen.length = 0;
      const s3 = new S3WireClient({
        region: "us-east-1",
        endpointUrl: endpoint.replace("127.0.0.1", "localhost"),
        forcePathStyle: style === "path-style",
        credentials,
        maxAttempts: 1,
        proxy: proxyRoutesFromEnv({ HTTP_PROXY: proxyUrl }),
      });
      try {
        for (const { key, path } of KEYS) {
          const expected = style === "path-style" ? `/logs-bucket/${path}` : `/${path}`;
          assert.equal(await readAll((await s3.getObject("logs-bucket", key)).body), `raw:${expected}`, key);
        }
      } finally {
        s3.destroy();
      }
      const port = new URL(endpoint).port;
      for (const request of server.seen) {
        assert.equal(
          request.headers.host,
          style === "path-style" ? `localhost:${port}` : `logs-bucket.localhost:${port}`,
        );
      }
      assert.equal(server.seen.length, KEYS.length);
    });
  }
});
