import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, beforeEach, describe, it } from "node:test";
import pino from "pino";
import {
  DEMO,
  type EmbeddedAws,
  startEmbeddedAws,
  uploadCloudTrailFiles,
  workerConfigFor,
} from "../../../scripts/fixtures/demo-stack.ts";
import { BucketGuard, BucketNotAllowedError, OwnerCheckedStore } from "../../../worker/aws/bucket-owner.ts";
import { S3WireClient } from "../../../worker/aws/wire/s3-wire-client.ts";
import { SqsWireClient } from "../../../worker/aws/wire/sqs-wire-client.ts";
import { validateConfig } from "../../../worker/config/load-config.ts";
import { createMetrics } from "../../../worker/observability/metrics.ts";
import { buildSources } from "../../../worker/pipeline/build-sources.ts";
import { messageReaders } from "../../../worker/pipeline/message-readers.ts";
import { Pipeline } from "../../../worker/pipeline/pipeline.ts";
import { describeCause } from "../../../worker/sources/sqs/describe-cause.ts";
import { MemoryStateStore } from "../../../worker/state/memory-state-store.ts";
import { MemoryOutput } from "../../helpers/memory-output.ts";
import { LocalAwsServer, xmlError } from "./wire/local-aws-server.ts";

const credentials = async () => DEMO.credentials;
const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/111122223333/cloudtrail";

describe("expected bucket owner (recording server)", () => {
  let server: LocalAwsServer;
  let endpoint: string;
  let s3: S3WireClient;
  before(async () => {
    server = new LocalAwsServer((request, response) => {
      if (request.url.includes("/denied/")) xmlError(response, 403, "AccessDenied", "Access Denied");
      else response.end("object");
    });
    endpoint = await server.start();
    s3 = new S3WireClient({
      region: "eu-west-1",
      endpointUrl: endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });
  });
  after(async () => {
    s3.destroy();
    await server.stop();
  });
  beforeEach(() => {
    server.seen.length = 0;
  });

  const owners = () => server.seen.map((r) => [r.url, r.headers["x-amz-expected-bucket-owner"]]);
  const read = async (store: OwnerCheckedStore, bucket: string, key: string) => {
    for await (const _ of (await store.getObject(bucket, key)).body);
  };

  it("by default, every GetObject expects the queue's account", async () => {
    const store = new OwnerCheckedStore(s3, new BucketGuard("cloudtrail", QUEUE_URL, {}));
    await read(store, "logs", "a.json");
    await read(store, "any-bucket", "b.json");
    assert.deepEqual(owners(), [
      ["/logs/a.json", "111122223333"],
      ["/any-bucket/b.json", "111122223333"],
    ]);
  });

  it("expected_bucket_owner replaces the queue's account; allowed_buckets names each bucket's owner", async () => {
    await read(
      new OwnerCheckedStore(s3, new BucketGuard("c", QUEUE_URL, { expected_bucket_owner: "444455556666" })),
      "logs",
      "a",
    );
    const guard = new BucketGuard("c", QUEUE_URL, {
      allowed_buckets: ["logs", { bucket: "partner-logs", owner: "777788889999" }],
    });
    await read(new OwnerCheckedStore(s3, guard), "logs", "b");
    await read(new OwnerCheckedStore(s3, guard), "partner-logs", "c");
    assert.deepEqual(owners(), [
      ["/logs/a", "444455556666"],
      ["/logs/b", "111122223333"],
      ["/partner-logs/c", "777788889999"],
    ]);
  });

  it("a bucket not in allowed_buckets is never requested; the error names bucket and key to set", async () => {
    const store = new OwnerCheckedStore(s3, new BucketGuard("cloudtrail", QUEUE_URL, { allowed_buckets: ["logs"] }));
    await assert.rejects(read(store, "attacker-bucket", "AWSLogs/x.json.gz"), (error: Error) => {
      assert.ok(error instanceof BucketNotAllowedError);
      assert.match(
        describeCause(error),
        /^BucketNotAllowed: bucket attacker-bucket is not in inputs\.cloudtrail\.allowed_buckets \(logs\); the object was not read\. .*add it to inputs\.cloudtrail\.allowed_buckets \(as \{bucket: attacker-bucket, owner: <account id>\}/,
      );
      return true;
    });
    assert.equal(server.seen.length, 0);
  });

  it("S3's 403 says both causes, the owner expected and the key to set, and the request as sent", async () => {
    const store = new OwnerCheckedStore(s3, new BucketGuard("cloudtrail", QUEUE_URL, {}));
    await assert.rejects(read(store, "other", "denied/x/../k"), (error: Error) => {
      assert.match(
        describeCause(error),
        /^AccessDenied \(403\): Access Denied \(GET http:\/\/127\.0\.0\.1:\d+\/other\/denied\/x\/\.\.\/k, expected bucket owner 111122223333\); S3 answers so for a missing permission, and for a bucket not owned by 111122223333 \(the queue's account\): if other belongs to another account, list it in inputs\.cloudtrail\.allowed_buckets/,
      );
      return true;
    });
  });

  it("a queue URL without an account (an emulator's) and no configured owner: no header", async () => {
    await read(new OwnerCheckedStore(s3, new BucketGuard("c", "http://localhost:4566/queue/q", {})), "logs", "a");
    assert.deepEqual(owners(), [["/logs/a", undefined]]);
  });
});

describe("expected bucket owner against fauxqs", () => {
  let aws: EmbeddedAws;
  before(async () => {
    aws = await startEmbeddedAws({ maxReceiveCount: 1, visibilityTimeout: 30 });
  });
  after(async () => {
    await aws.stop();
  });

  it("fauxqs does not check x-amz-expected-bucket-owner (so the refusal is the worker's, tested above)", async () => {
    await aws.put("plain.json", "x");
    const s3 = new S3WireClient({
      region: DEMO.region,
      endpointUrl: aws.endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });
    try {
      const object = await s3.getObject(DEMO.bucket, "plain.json", { expectedOwner: "999999999999" });
      for await (const _ of object.body);
    } finally {
      s3.destroy();
    }
  });

  it("the worker: an object from a bucket not allowed fails with one log line and its message goes to the DLQ; the allowed one is read", async () => {
    const intruder = "intruder-bucket";
    aws.server.createBucket(intruder);
    const [file] = await uploadCloudTrailFiles(aws, 1, () => 4);
    await aws.put(file.key, "{}", intruder);
    aws.announce([{ key: file.key, size: file.size }], "direct");
    aws.announce([{ key: file.key, bucket: intruder }], "direct");

    const document = workerConfigFor(
      aws,
      { memory: { type: "console" } },
      { allowed_buckets: [DEMO.bucket], retry_backoff_seconds: 0 },
    );
    const config = validateConfig(document);
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
          done();
        },
      }),
    );
    const metrics = createMetrics();
    const output = new MemoryOutput();
    const sources = await buildSources(config.inputs, {
      logger,
      metrics,
      readers: messageReaders(metrics),
      configSource: "<test>",
      state: new MemoryStateStore(),
    });
    const pipeline = new Pipeline(
      sources,
      [output],
      { logger, metrics },
      { concurrency: 2, maxBytesInFlight: 1 << 24, shutdownGraceMs: 2000 },
    );
    await pipeline.run(new AbortController().signal, { untilIdle: true });

    assert.equal(output.events.length, 4, "the allowed bucket's object is read");
    const failures = lines.filter((line) => line.bucket === intruder);
    assert.equal(failures.length, 1, JSON.stringify(lines));
    assert.equal(failures[0].key, file.key);
    assert.match(String(failures[0].cause), /not in inputs\.sqs_collector\.allowed_buckets/);

    const sqs = new SqsWireClient({ region: DEMO.region, endpointUrl: aws.endpoint, credentials, maxAttempts: 1 });
    try {
      const dead = await sqs.receiveMessage({ QueueUrl: aws.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
      assert.equal(dead.Messages?.length, 1);
      assert.match(String(dead.Messages?.[0].Body), new RegExp(intruder));
    } finally {
      sqs.destroy();
    }
  });
});
