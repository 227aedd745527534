import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { DEMO, type EmbeddedAws, startEmbeddedAws } from "../../../../scripts/fixtures/demo-stack.ts";
import { createInputClients } from "../../../../worker/aws/clients.ts";
import { proxyFor, proxyRoutesFromEnv } from "../../../../worker/aws/wire/proxy.ts";
import { makeTestCerts, type TestCerts } from "../../../helpers/certs.ts";
import { TestProxy } from "./test-proxy.ts";

const credentials = async () => DEMO.credentials;

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of body) text += Buffer.from(chunk).toString("utf8");
  return text;
}

describe("proxies from the environment", () => {
  let aws: EmbeddedAws;
  let proxy: TestProxy;
  let proxyUrl: string;
  let certs: TestCerts;
  let tlsServer: https.Server;
  let tlsPort: number;
  const tlsSeen: { url: string; host: string; userAgent: string }[] = [];
  before(async () => {
    aws = await startEmbeddedAws();
    await aws.put("AWSLogs/proxied.json", "through the proxy");
    proxy = new TestProxy();
    proxyUrl = await proxy.start();
    certs = await makeTestCerts();
    tlsServer = https.createServer(
      { cert: await readFile(certs.serverCert), key: await readFile(certs.serverKey) },
      (request, response) => {
        tlsSeen.push({
          url: request.url ?? "",
          host: String(request.headers.host),
          userAgent: String(request.headers["user-agent"]),
        });
        response.end("over TLS in the tunnel");
      },
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    tlsPort = (tlsServer.address() as AddressInfo).port;
  });
  after(async () => {
    tlsServer.closeAllConnections();
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    await certs.remove();
    await proxy.stop();
    await aws.stop();
  });
  beforeEach(() => {
    proxy.seen.length = 0;
    proxy.refuseConnectWith = undefined;
    tlsSeen.length = 0;
  });

  it("HTTP_PROXY: SQS and S3 over plain HTTP go to the proxy in absolute form, with its credentials", async () => {
    const { sqs, s3 } = createInputClients({
      inputName: "cloudtrail",
      region: DEMO.region,
      endpoints: { endpoint_url: aws.endpoint },
      s3ForcePathStyle: true,
      credentials,
      env: { HTTP_PROXY: proxyUrl.replace("http://", "http://user:p%40ss@") },
    });
    try {
      aws.server.sendMessage(DEMO.queue, "hello");
      const received = await sqs.receiveMessage({ QueueUrl: aws.queueUrl, WaitTimeSeconds: 0 });
      assert.deepEqual(
        received.Messages?.map((m) => m.Body),
        ["hello"],
      );
      assert.equal(await readAll((await s3.getObject(DEMO.bucket, "AWSLogs/proxied.json")).body), "through the proxy");
    } finally {
      sqs.destroy();
      s3.destroy();
    }
    assert.deepEqual(
      proxy.seen.map((r) => `${r.method} ${r.target}`),
      [`POST ${aws.endpoint}/`, `GET ${aws.endpoint}/${DEMO.bucket}/AWSLogs/proxied.json`],
    );
    const basic = `Basic ${Buffer.from("user:p@ss").toString("base64")}`;
    for (const request of proxy.seen) assert.equal(request.proxyAuthorization, basic);
  });

  it("HTTPS_PROXY: HTTPS goes through a CONNECT tunnel, TLS end to end (AWS_CA_BUNDLE trusted), kept alive", async () => {
    const { s3 } = createInputClients({
      inputName: "cloudtrail",
      region: "us-east-1",
      endpoints: { s3_endpoint_url: `https://localhost:${tlsPort}` },
      s3ForcePathStyle: true,
      credentials,
      env: { HTTPS_PROXY: proxyUrl, AWS_CA_BUNDLE: certs.caCert },
    });
    try {
      for (const key of ["a.json", "b.json"]) {
        assert.equal(await readAll((await s3.getObject("logs", key)).body), "over TLS in the tunnel");
      }
    } finally {
      s3.destroy();
    }
    assert.deepEqual(
      proxy.seen.map((r) => `${r.method} ${r.target}`),
      [`CONNECT localhost:${tlsPort}`],
      "one tunnel for both requests",
    );
    assert.deepEqual(
      tlsSeen.map((r) => [r.url, r.host]),
      [
        ["/logs/a.json", `localhost:${tlsPort}`],
        ["/logs/b.json", `localhost:${tlsPort}`],
      ],
    );
    assert.match(tlsSeen[0].userAgent, /^aws-devo-collector\//);
  });

  it("a proxy that refuses the tunnel fails the request with its answer", async () => {
    proxy.refuseConnectWith = 403;
    const { s3 } = createInputClients({
      inputName: "cloudtrail",
      region: "us-east-1",
      endpoints: { s3_endpoint_url: `https://localhost:${tlsPort}` },
      s3ForcePathStyle: true,
      credentials,
      env: { HTTPS_PROXY: proxyUrl, AWS_CA_BUNDLE: certs.caCert },
    });
    try {
      await assert.rejects(s3.getObject("logs", "a.json"), /refused the tunnel to localhost:\d+: 403/);
    } finally {
      s3.destroy();
    }
    assert.equal(proxy.seen.length, 1, "a 403 from the proxy is not retried");
  });

  it("NO_PROXY: matching hosts connect directly", async () => {
    const { s3 } = createInputClients({
      inputName: "cloudtrail",
      region: DEMO.region,
      endpoints: { endpoint_url: aws.endpoint },
      s3ForcePathStyle: true,
      credentials,
      env: { http_proxy: proxyUrl, NO_PROXY: "example.com, 127.0.0.1" },
    });
    try {
      assert.equal(await readAll((await s3.getObject(DEMO.bucket, "AWSLogs/proxied.json")).body), "through the proxy");
    } finally {
      s3.destroy();
    }
    assert.equal(proxy.seen.length, 0);
  });

  it("reads NO_PROXY as curl does: *, hosts, .domains, *.domains, host:port", () => {
    const routes = (noProxy: string) =>
      proxyRoutesFromEnv({ HTTPS_PROXY: "http://proxy:3128", HTTP_PROXY: "proxy:8080", NO_PROXY: noProxy });
    const via = (noProxy: string, url: string) => proxyFor(routes(noProxy), new URL(url))?.display;
    assert.equal(via("", "https://sqs.eu-west-1.amazonaws.com/"), "http://proxy:3128");
    assert.equal(via("", "http://localhost:4566/"), "http://proxy:8080", "scheme-less proxy URL: http://");
    assert.equal(via("*", "https://sqs.eu-west-1.amazonaws.com/"), undefined);
    assert.equal(via("amazonaws.com", "https://sqs.eu-west-1.amazonaws.com/"), undefined);
    assert.equal(via(".amazonaws.com", "https://s3.amazonaws.com/"), undefined);
    assert.equal(via("*.amazonaws.com", "https://bucket.s3.us-east-1.amazonaws.com/"), undefined);
    assert.equal(via("notamazonaws.com", "https://amazonaws.com/"), "http://proxy:3128");
    assert.equal(via("s3.amazonaws.com", "https://xs3.amazonaws.com/"), "http://proxy:3128", "a suffix, on a dot only");
    assert.equal(via("vpce.local:443", "https://vpce.local/"), undefined);
    assert.equal(via("vpce.local:8443", "https://vpce.local/"), "http://proxy:3128");
    assert.equal(proxyFor(proxyRoutesFromEnv({}), new URL("https://x/")), undefined);
    assert.throws(() => proxyRoutesFromEnv({ HTTPS_PROXY: "https://proxy:3128" }), /only http:\/\/ proxies/);
    assert.throws(
      () => proxyRoutesFromEnv({ HTTPS_PROXY: "http://[bad" }),
      /HTTPS_PROXY=http:\/\/\[bad: not a proxy URL/,
    );
  });
});
