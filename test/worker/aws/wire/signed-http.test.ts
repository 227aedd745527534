import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { AwsApiError, parseAwsError } from "../../../../worker/aws/wire/aws-api-error.ts";
import { SignedHttp } from "../../../../worker/aws/wire/signed-http.ts";
import { EMPTY_PAYLOAD_HASH } from "../../../../worker/aws/wire/sigv4.ts";
import { describeCause } from "../../../../worker/sources/sqs/describe-cause.ts";
import { LocalAwsServer, type SeenRequest, xmlError } from "./local-aws-server.ts";

const SCOPE = { region: "us-east-1", service: "s3" };
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

describe("SignedHttp", () => {
  let script: ((request: SeenRequest, attempt: number) => (response: import("node:http").ServerResponse) => void)[];
  let server: LocalAwsServer;
  let endpoint: string;
  let delays: number[];
  let providerCalls: number;
  const client = () =>
    new SignedHttp({
      credentials: async () => {
        providerCalls++;
        return CREDENTIALS;
      },
      maxAttempts: 5,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
  const get = (http: SignedHttp) =>
    http.send(
      { method: "GET", origin: new URL(endpoint), path: "/bucket/key", headers: {}, payloadHash: EMPTY_PAYLOAD_HASH },
      SCOPE,
    );

  before(async () => {
    server = new LocalAwsServer((request, response) => {
      const attempt = server.seen.length;
      const next = script[Math.min(attempt - 1, script.length - 1)];
      next(request, attempt)(response);
    });
    endpoint = await server.start();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.seen.length = 0;
    delays = [];
    providerCalls = 0;
  });

  const ok = () => () => (response: import("node:http").ServerResponse) => response.end("fine");

  it("retries 503 and throttling with growing jittered delays, then returns the answer", async () => {
    script = [
      () => (response) => xmlError(response, 503, "SlowDown", "Please reduce your request rate."),
      () => (response) => xmlError(response, 500, "InternalError", "We encountered an internal error."),
      ok(),
    ];
    const response = await get(client());
    let body = "";
    for await (const chunk of response) body += chunk;
    assert.equal(body, "fine");
    assert.equal(server.seen.length, 3);
    assert.equal(delays.length, 2);
    assert.ok(delays[0] <= 500 && delays[1] <= 200, `throttled ceiling 500 ms, then 200 ms: ${delays}`);
    assert.equal(providerCalls, 1, "one identity for every attempt");
  });

  it("gives up after maxAttempts with AWS's own error, readable by describeCause", async () => {
    script = [
      () => (response) => xmlError(response, 503, "ServiceUnavailable", "Service is unable to handle request."),
    ];
    const error = await get(client()).then(
      () => assert.fail("should fail"),
      (e: unknown) => e,
    );
    assert.equal(server.seen.length, 5);
    assert.ok(error instanceof AwsApiError);
    assert.equal(describeCause(error), "ServiceUnavailable (503): Service is unable to handle request.");
  });

  it("does not retry what fails the same way again", async () => {
    script = [() => (response) => xmlError(response, 403, "AccessDenied", "Access Denied")];
    await assert.rejects(get(client()), { name: "AccessDenied", message: "Access Denied" });
    assert.equal(server.seen.length, 1);
  });

  it("retries a connection cut before the answer", async () => {
    script = [() => (response) => response.socket?.destroy(), ok()];
    await get(client());
    assert.equal(server.seen.length, 2);
  });

  it("retries a JSON answer cut mid-body, as one that never came", async () => {
    script = [
      () => (response) => {
        response.writeHead(200, { "content-length": "200" });
        response.write('{"Messages":[{"Body":"par');
        setTimeout(() => response.socket?.destroy(), 10);
      },
      () => (response) => response.end('{"Messages":[]}'),
    ];
    const answer = await client().json<{ Messages: unknown[] }>(
      {
        method: "POST",
        origin: new URL(endpoint),
        path: "/",
        headers: {},
        body: "{}",
        payloadHash: EMPTY_PAYLOAD_HASH,
      },
      SCOPE,
    );
    assert.deepEqual(answer, { Messages: [] });
    assert.equal(server.seen.length, 2);
  });

  it("signs in the server's time after a clock-skew error", async () => {
    const serverTime = Date.now() + 3_600_000;
    script = [
      () => (response) =>
        xmlError(
          response,
          403,
          "RequestTimeTooSkewed",
          "The difference between the request time and the current time is too large.",
          {
            date: new Date(serverTime).toUTCString(),
          },
        ),
      ok(),
    ];
    await get(client());
    assert.equal(server.seen.length, 2);
    const signedAt = (request: SeenRequest) => {
      const stamp = String(request.headers["x-amz-date"]);
      return Date.parse(
        `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
      );
    };
    assert.ok(Math.abs(signedAt(server.seen[1]) - serverTime) < 60_000, "the retry carries the server's time");
    assert.ok(Math.abs(signedAt(server.seen[0]) - Date.now()) < 60_000);
    assert.deepEqual(delays, [0], "a skew retry does not wait");
  });

  it("signs every request with host, date and payload hash in the Authorization header", async () => {
    script = [ok()];
    await get(client());
    const [request] = server.seen;
    assert.match(
      String(request.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });
});

describe("parseAwsError", () => {
  it("reads SQS's JSON errors, S3's XML errors, and names a bare status", () => {
    const json = parseAwsError(
      400,
      { "x-amzn-requestid": "r1" },
      JSON.stringify({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." }),
    );
    assert.equal(describeCause(json), "QueueDoesNotExist (400): The specified queue does not exist.");
    assert.equal(json.$metadata.requestId, "r1");
    const xml = parseAwsError(
      301,
      { "x-amz-bucket-region": "eu-west-1" },
      "<Error><Code>PermanentRedirect</Code><Message>Use &quot;eu-west-1&quot; &amp; retry.</Message></Error>",
    );
    assert.equal(xml.name, "PermanentRedirect");
    assert.equal(xml.message, 'Use "eu-west-1" & retry.');
    assert.equal(xml.bucketRegion, "eu-west-1");
    assert.equal(describeCause(parseAwsError(502, {}, "<html>Bad Gateway</html>")), "BadGateway (502)");
  });
});
