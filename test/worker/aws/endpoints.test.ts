import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createInputClients } from "../../../worker/aws/clients.ts";
import { chooseEndpoints, s3Endpoint, sqsEndpoint } from "../../../worker/aws/endpoints.ts";
import { keyPath, objectTarget } from "../../../worker/aws/wire/s3-wire-client.ts";
import { LocalAwsServer } from "./wire/local-aws-server.ts";
import { TestProxy } from "./wire/test-proxy.ts";

const REGIONS = [
  "us-east-1",
  "eu-west-3",
  "ap-southeast-2",
  "cn-north-1",
  "cn-northwest-1",
  "us-gov-west-1",
  "us-iso-east-1",
  "us-isob-east-1",
  "eu-isoe-west-1",
  "us-isof-south-1",
];
const VARIANTS = [
  { fips: false, dualstack: false },
  { fips: true, dualstack: false },
  { fips: false, dualstack: true },
  { fips: true, dualstack: true },
];
const KEY = "AWSLogs/1/x/../ü.json.gz";

/** The SDK's own endpoint rules (the clients' `endpointProvider`), as the oracle. */
const sdkS3 = new S3Client({ region: "us-east-1" });
const sdkSqs = new SQSClient({ region: "us-east-1" });

function sdkS3Url(region: string, bucket: string, variant: { fips: boolean; dualstack: boolean }, pathStyle: boolean) {
  return sdkS3.config.endpointProvider({
    Bucket: bucket,
    Region: region,
    UseFIPS: variant.fips,
    UseDualStack: variant.dualstack,
    ForcePathStyle: pathStyle,
    Accelerate: false,
    UseGlobalEndpoint: false,
  }).url;
}

describe("endpoint selection: the SDK's host names for SQS and S3", () => {
  after(() => {
    sdkS3.destroy();
    sdkSqs.destroy();
  });

  for (const region of REGIONS) {
    it(`${region}: plain, FIPS, dual-stack, both; virtual-hosted, dotted bucket, path-style`, async () => {
      for (const variant of VARIANTS) {
        const label = `${region} ${JSON.stringify(variant)}`;
        const sqs = await sdkSqs.config.endpointProvider({
          Region: region,
          UseFIPS: variant.fips,
          UseDualStack: variant.dualstack,
        });
        assert.equal(sqsEndpoint(region, variant), sqs.url.origin, `SQS ${label}`);
        for (const [bucket, pathStyle] of [
          ["cloudtrail-logs", false],
          ["my.dotted.logs", false],
          ["cloudtrail-logs", true],
        ] as const) {
          let expected: string | Error;
          try {
            expected = `${sdkS3Url(region, bucket, variant, pathStyle).href.replace(/\/$/, "")}/${keyPath(KEY)}`;
          } catch (error) {
            expected = error as Error;
          }
          if (expected instanceof Error) {
            // What the SDK refuses (S3 FIPS in China) is refused at start-up, naming the key to unset.
            assert.throws(() => s3Endpoint(region, variant), /no FIPS endpoints.*use_fips_endpoint/, label);
            assert.throws(() => chooseEndpoints("in", region, { use_fips_endpoint: variant.fips }, {}), label);
            continue;
          }
          const target = objectTarget({ variant, forcePathStyle: pathStyle }, bucket, KEY, region);
          assert.equal(`${target.origin.origin}${target.path}`, expected, `S3 ${label} ${bucket} ${pathStyle}`);
        }
      }
    });
  }
});

describe("endpoint selection: configuration and environment", () => {
  it("the input's keys first, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL", () => {
    const env = {
      AWS_ENDPOINT_URL: "https://all.example",
      AWS_ENDPOINT_URL_SQS: "https://sqs.example",
      AWS_ENDPOINT_URL_S3: "https://s3.example",
    };
    const both = chooseEndpoints("in", "eu-west-1", {}, env);
    assert.equal(both.sqsEndpointUrl, "https://sqs.example");
    assert.equal(both.s3EndpointUrl, "https://s3.example");
    const global = chooseEndpoints("in", "eu-west-1", {}, { AWS_ENDPOINT_URL: "https://all.example" });
    assert.equal(global.sqsEndpointUrl, "https://all.example");
    assert.equal(global.s3EndpointUrl, "https://all.example");
    const configured = chooseEndpoints("in", "eu-west-1", { endpoint_url: "https://vpce-sqs.example" }, env);
    assert.equal(configured.sqsEndpointUrl, "https://vpce-sqs.example");
    assert.equal(configured.s3EndpointUrl, "https://vpce-sqs.example", "endpoint_url is for every client");
    const split = chooseEndpoints(
      "in",
      "eu-west-1",
      { endpoint_url: "https://vpce-sqs.example", s3_endpoint_url: "https://bucket.vpce-s3.example" },
      env,
    );
    assert.equal(split.sqsEndpointUrl, "https://vpce-sqs.example");
    assert.equal(split.s3EndpointUrl, "https://bucket.vpce-s3.example");
    assert.deepEqual(split.sources, {
      sqs: "inputs.in.endpoint_url",
      s3: "inputs.in.s3_endpoint_url",
      fips: "default",
      dualstack: "default",
    });
    const ignored = chooseEndpoints("in", "eu-west-1", {}, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" });
    assert.equal(ignored.sqsEndpointUrl, undefined);
    assert.equal(ignored.s3EndpointUrl, undefined);
  });

  it("FIPS and dual-stack from the keys, else the environment; refused with an endpoint override or a bad value", () => {
    assert.deepEqual(
      chooseEndpoints("in", "us-east-1", {}, { AWS_USE_FIPS_ENDPOINT: "TRUE", AWS_USE_DUALSTACK_ENDPOINT: "false" })
        .variant,
      { fips: true, dualstack: false },
    );
    assert.deepEqual(
      chooseEndpoints(
        "in",
        "us-east-1",
        { use_fips_endpoint: false, use_dualstack_endpoint: true },
        {
          AWS_USE_FIPS_ENDPOINT: "true",
        },
      ).variant,
      { fips: false, dualstack: true },
      "the input's keys win",
    );
    assert.throws(
      () =>
        chooseEndpoints("in", "us-east-1", { endpoint_url: "https://vpce.example" }, { AWS_USE_FIPS_ENDPOINT: "true" }),
      /AWS_USE_FIPS_ENDPOINT asks for FIPS endpoints, but inputs\.in\.endpoint_url \(https:\/\/vpce\.example\) overrides/,
    );
    assert.throws(
      () =>
        chooseEndpoints("in", "us-east-1", { use_dualstack_endpoint: true }, { AWS_ENDPOINT_URL_S3: "https://s3.x" }),
      /inputs\.in\.use_dualstack_endpoint asks for dual-stack endpoints, but AWS_ENDPOINT_URL_S3/,
    );
    assert.throws(
      () => chooseEndpoints("in", "us-east-1", {}, { AWS_USE_FIPS_ENDPOINT: "yes" }),
      /AWS_USE_FIPS_ENDPOINT=yes: expected true or false/,
    );
    assert.throws(
      () => chooseEndpoints("in", "cn-north-1", { use_fips_endpoint: true }, {}),
      /S3 has no FIPS endpoints in cn-north-1/,
    );
    assert.throws(() => chooseEndpoints("in", "us-east-1", {}, { AWS_ENDPOINT_URL: "ftp://x" }), /http:\/\/ or https/);
  });
});

describe("endpoint selection: where the clients' requests really go", () => {
  const servers: Record<string, LocalAwsServer> = {};
  const urls: Record<string, string> = {};
  before(async () => {
    for (const name of ["sqs", "s3", "global"]) {
      servers[name] = new LocalAwsServer((request, response) => {
        if (request.headers["x-amz-target"] !== undefined) {
          response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
          response.end("{}");
        } else response.end(`${name}:${request.url}`);
      });
      urls[name] = await servers[name].start();
    }
  });
  after(async () => {
    for (const server of Object.values(servers)) await server.stop();
  });

  const run = async (settings: Parameters<typeof createInputClients>[0]) => {
    for (const server of Object.values(servers)) server.seen.length = 0;
    const { sqs, s3 } = createInputClients(settings);
    try {
      await sqs.receiveMessage({ QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/q", WaitTimeSeconds: 0 });
      for await (const _ of (await s3.getObject("logs", "a/../b")).body);
    } finally {
      sqs.destroy();
      s3.destroy();
    }
    return Object.fromEntries(
      Object.entries(servers).map(([name, server]) => [name, server.seen.map((r) => `${r.method} ${r.url}`)]),
    );
  };
  const credentials = async () => ({ accessKeyId: "a", secretAccessKey: "b" });

  it("AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_S3 send each service to its own endpoint", async () => {
    const seen = await run({
      inputName: "in",
      region: "eu-west-1",
      s3ForcePathStyle: true,
      credentials,
      env: { AWS_ENDPOINT_URL_SQS: urls.sqs, AWS_ENDPOINT_URL_S3: urls.s3, AWS_ENDPOINT_URL: urls.global },
    });
    assert.deepEqual(seen, { sqs: ["POST /"], s3: ["GET /logs/a/../b"], global: [] });
  });

  it("endpoint_url and s3_endpoint_url in the input win over the environment", async () => {
    const seen = await run({
      inputName: "in",
      region: "eu-west-1",
      endpoints: { endpoint_url: urls.sqs, s3_endpoint_url: urls.s3 },
      s3ForcePathStyle: true,
      credentials,
      env: { AWS_ENDPOINT_URL: urls.global },
    });
    assert.deepEqual(seen, { sqs: ["POST /"], s3: ["GET /logs/a/../b"], global: [] });
  });

  it("the SQS and S3 clients of an input share one credential provider: one fetch for both", async () => {
    let fetches = 0;
    await run({
      inputName: "in",
      region: "eu-west-1",
      s3ForcePathStyle: true,
      credentials: async () => {
        fetches++;
        return { accessKeyId: "a", secretAccessKey: "b", expiration: new Date(Date.now() + 3_600_000) };
      },
      env: { AWS_ENDPOINT_URL: urls.global },
    });
    assert.equal(fetches, 1);
  });

  it("AWS_ENDPOINT_URL alone serves both", async () => {
    const seen = await run({
      inputName: "in",
      region: "eu-west-1",
      s3ForcePathStyle: true,
      credentials,
      env: { AWS_ENDPOINT_URL: urls.global },
    });
    assert.deepEqual(seen, { sqs: [], s3: [], global: ["POST /", "GET /logs/a/../b"] });
  });
});

describe("endpoint selection: FIPS and dual-stack hosts asked for on the wire (seen by a proxy)", () => {
  let proxy: TestProxy;
  let proxyUrl: string;
  before(async () => {
    proxy = new TestProxy();
    proxy.refuseConnectWith = 403; // no network here: the tunnel's target is what the test reads
    proxyUrl = await proxy.start();
  });
  after(async () => {
    await proxy.stop();
  });

  for (const [keys, env, sqsHost, s3Host] of [
    [{ use_fips_endpoint: true }, {}, "sqs-fips.us-east-1.amazonaws.com", "logs.s3-fips.us-east-1.amazonaws.com"],
    [{}, { AWS_USE_DUALSTACK_ENDPOINT: "true" }, "sqs.us-east-1.api.aws", "logs.s3.dualstack.us-east-1.amazonaws.com"],
    [
      {},
      { AWS_USE_FIPS_ENDPOINT: "true", AWS_USE_DUALSTACK_ENDPOINT: "true" },
      "sqs-fips.us-east-1.api.aws",
      "logs.s3-fips.dualstack.us-east-1.amazonaws.com",
    ],
  ] as const) {
    it(`${JSON.stringify(keys)} ${JSON.stringify(env)}: ${sqsHost} and ${s3Host}, not the queue URL's host`, async () => {
      proxy.seen.length = 0;
      const { sqs, s3 } = createInputClients({
        inputName: "in",
        region: "us-east-1",
        endpoints: keys,
        credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }),
        env: { ...env, HTTPS_PROXY: proxyUrl },
      });
      try {
        await assert.rejects(
          sqs.receiveMessage({ QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q", WaitTimeSeconds: 0 }),
        );
        await assert.rejects(s3.getObject("logs", "a.json"));
      } finally {
        sqs.destroy();
        s3.destroy();
      }
      assert.deepEqual(
        proxy.seen.map((r) => r.target),
        [`${sqsHost}:443`, `${s3Host}:443`],
      );
    });
  }
});
