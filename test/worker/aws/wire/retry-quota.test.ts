import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { USER_AGENT } from "../../../../worker/aws/clients.ts";
import { AwsApiError, parseAwsError } from "../../../../worker/aws/wire/aws-api-error.ts";
import {
  isRetryable,
  RETRY_QUOTA,
  RetryQuota,
  retryCost,
  TimeoutError,
} from "../../../../worker/aws/wire/retry-policy.ts";
import { SignedHttp } from "../../../../worker/aws/wire/signed-http.ts";
import { EMPTY_PAYLOAD_HASH } from "../../../../worker/aws/wire/sigv4.ts";
import { makeTestCerts, type TestCerts } from "../../../helpers/certs.ts";
import { LocalAwsServer, type SeenRequest } from "./local-aws-server.ts";

const SCOPE = { region: "us-east-1", service: "s3" };
const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });
const get = (http: SignedHttp, origin: string) =>
  http.send(
    { method: "GET", origin: new URL(origin), path: "/b/k", headers: {}, payloadHash: EMPTY_PAYLOAD_HASH },
    SCOPE,
  );

/** A TCP server that accepts and resets every connection at once: a dead endpoint, counted. */
async function resettingServer(): Promise<{ url: string; connections: () => number; stop: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => count,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("retry quota (standard mode: 500 tokens, 5 a retry, 10 a timeout, refunded on success)", () => {
  it("pays retries from the bucket and refunds on success, up to 500", () => {
    const quota = new RetryQuota();
    assert.equal(quota.capacity, 500);
    assert.equal(quota.take(5), true);
    assert.equal(quota.take(10), true);
    assert.equal(quota.capacity, 485);
    quota.succeeded(10);
    assert.equal(quota.capacity, 495);
    quota.succeeded(undefined);
    quota.succeeded(undefined);
    quota.succeeded(undefined);
    quota.succeeded(undefined);
    quota.succeeded(undefined);
    quota.succeeded(undefined);
    assert.equal(quota.capacity, 500, "never above the initial 500");
    while (quota.take(10));
    assert.equal(quota.capacity, 0);
    assert.equal(quota.take(5), false);
    assert.equal(retryCost(new TimeoutError("idle")), RETRY_QUOTA.timeoutCost);
    assert.equal(retryCost(Object.assign(new Error("x"), { code: "ECONNRESET" })), RETRY_QUOTA.retryCost);
    assert.equal(retryCost(new AwsApiError("RequestTimeout", "slow", 400)), 10);
    assert.equal(retryCost(new AwsApiError("SlowDown", "slow", 503)), 5);
  });

  it("a dead endpoint makes at most the quota's retries, then one attempt per call", async () => {
    const dead = await resettingServer();
    const delays: number[] = [];
    const http = new SignedHttp({ credentials, maxAttempts: 5, sleep: async (ms) => void delays.push(ms) });
    const calls = 40;
    try {
      for (let i = 0; i < calls; i++) await assert.rejects(get(http, dead.url), { code: "ECONNRESET" });
    } finally {
      http.destroy();
      await dead.stop();
    }
    const retries = RETRY_QUOTA.initial / RETRY_QUOTA.retryCost; // 100
    assert.equal(delays.length, retries, "retries paid by the quota");
    assert.equal(dead.connections(), calls + retries, "40 first attempts and 100 retries, not 40 × 5 = 200");
  });

  it("a refused connection is retried; the quota is shared by every call of one client", async () => {
    const dead = await resettingServer();
    await dead.stop(); // nothing listens on the port any more: ECONNREFUSED
    let sleeps = 0;
    const quota = new RetryQuota();
    const http = new SignedHttp({ credentials, maxAttempts: 3, retryQuota: quota, sleep: async () => void sleeps++ });
    try {
      await Promise.all(
        Array.from({ length: 10 }, () => assert.rejects(get(http, dead.url), { code: "ECONNREFUSED" })),
      );
    } finally {
      http.destroy();
    }
    assert.equal(sleeps, 20);
    assert.equal(quota.capacity, 500 - 20 * 5);
  });
});

describe("what is never retried", () => {
  it("classifies: transient network codes yes; NXDOMAIN, certificates and programming errors no", () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENETUNREACH"]) {
      assert.equal(isRetryable(coded(code), false), true, code);
    }
    for (const code of [
      "ENOTFOUND",
      "CERT_HAS_EXPIRED",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "ERR_INVALID_ARG_TYPE",
      "ERR_INVALID_CHAR",
    ]) {
      assert.equal(isRetryable(coded(code), false), false, code);
    }
    assert.equal(isRetryable(new TypeError("x is not a function"), false), false);
    assert.equal(isRetryable(new TimeoutError("idle"), false), true);
    assert.equal(isRetryable(coded("ECONNRESET"), true), false, "an abort is the caller's");
    assert.equal(isRetryable(new AwsApiError("AccessDenied", "Access Denied", 403), false), false);
    assert.equal(isRetryable(new AwsApiError("InternalError", "oops", 500), false), true);
  });

  describe("a TLS certificate the client does not trust", () => {
    let certs: TestCerts;
    let server: https.Server;
    let handshakes = 0; // TCP connections accepted: one per attempt
    before(async () => {
      certs = await makeTestCerts();
      server = https.createServer(
        { cert: await readFile(certs.serverCert), key: await readFile(certs.serverKey) },
        (_request, response) => response.end("never"),
      );
      server.on("connection", () => handshakes++);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await certs.remove();
    });

    it("fails at the first attempt, not retried", async () => {
      let sleeps = 0;
      const http = new SignedHttp({ credentials, maxAttempts: 5, sleep: async () => void sleeps++ });
      const port = (server.address() as AddressInfo).port;
      try {
        const error = await get(http, `https://localhost:${port}`).then(
          () => assert.fail("should fail"),
          (e: unknown) => e as { code?: string },
        );
        assert.match(String(error.code), /CERT|SIGNATURE|ISSUER|SELF_SIGNED/, String(error.code));
      } finally {
        http.destroy();
      }
      assert.equal(sleeps, 0);
      assert.equal(handshakes, 1);
    });
  });
});

describe("what every answer teaches", () => {
  let server: LocalAwsServer;
  let endpoint: string;
  let answer: (request: SeenRequest, response: import("node:http").ServerResponse) => void;
  before(async () => {
    server = new LocalAwsServer((request, response) => answer(request, response));
    endpoint = await server.start();
  });
  after(async () => {
    await server.stop();
  });

  const signedAt = (request: SeenRequest) => {
    const stamp = String(request.headers["x-amz-date"]);
    return Date.parse(
      `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
    );
  };

  it("learns clock skew from the Date of an ordinary answer (more than 5 minutes off), as the SDK does", async () => {
    server.seen.length = 0;
    const serverTime = Date.now() + 3_600_000;
    answer = (_request, response) => {
      response.writeHead(200, { date: new Date(serverTime).toUTCString() });
      response.end("ok");
    };
    const http = new SignedHttp({ credentials, maxAttempts: 1, userAgent: USER_AGENT });
    try {
      for (let i = 0; i < 2; i++) (await get(http, endpoint)).resume();
    } finally {
      http.destroy();
    }
    assert.ok(Math.abs(signedAt(server.seen[0]) - Date.now()) < 60_000, "the first request: our own clock");
    assert.ok(Math.abs(signedAt(server.seen[1]) - serverTime) < 60_000, "the second: the server's");
    assert.ok(Math.abs(http.clockOffsetMs - 3_600_000) < 5_000);
  });

  it("keeps our clock when the server's is within 5 minutes", async () => {
    answer = (_request, response) => {
      response.writeHead(200, { date: new Date(Date.now() + 120_000).toUTCString() });
      response.end("ok");
    };
    const http = new SignedHttp({ credentials, maxAttempts: 1 });
    try {
      (await get(http, endpoint)).resume();
    } finally {
      http.destroy();
    }
    assert.equal(http.clockOffsetMs, 0);
  });

  it("sends a User-Agent naming the product and its version, unsigned", async () => {
    server.seen.length = 0;
    answer = (_request, response) => response.end("ok");
    const http = new SignedHttp({ credentials, maxAttempts: 1, userAgent: USER_AGENT });
    try {
      (await get(http, endpoint)).resume();
    } finally {
      http.destroy();
    }
    const [request] = server.seen;
    assert.match(
      String(request.headers["user-agent"]),
      /^aws-devo-collector\/\d+\.\d+\.\d+ lang\/js md\/(nodejs|deno)#/,
    );
    assert.doesNotMatch(String(request.headers.authorization), /user-agent/);
  });
});

describe("error codes from headers", () => {
  it("reads x-amzn-errortype and x-amzn-query-error when the body names no code", () => {
    assert.equal(
      parseAwsError(400, { "x-amzn-errortype": "QueueDoesNotExist:http://internal.amazon.com/coral/" }, "").name,
      "QueueDoesNotExist",
    );
    assert.equal(
      parseAwsError(400, { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" }, "").name,
      "AWS.SimpleQueueService.NonExistentQueue",
    );
    assert.equal(
      parseAwsError(
        400,
        { "x-amzn-errortype": "Other:x" },
        JSON.stringify({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "m" }),
      ).name,
      "QueueDoesNotExist",
      "the body's code first",
    );
    assert.equal(parseAwsError(503, {}, "").name, "ServiceUnavailable");
  });
});
