import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { DEMO, type EmbeddedAws, startEmbeddedAws } from "../../../../scripts/fixtures/demo-stack.ts";
import { S3WireClient } from "../../../../worker/aws/wire/s3-wire-client.ts";
import { SqsWireClient } from "../../../../worker/aws/wire/sqs-wire-client.ts";
import { describeCause } from "../../../../worker/sources/sqs/describe-cause.ts";
import { LocalAwsServer, xmlError } from "./local-aws-server.ts";

const credentials = async () => DEMO.credentials;

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe("wire clients against fauxqs", () => {
  let aws: EmbeddedAws;
  let sqs: SqsWireClient;
  let s3: S3WireClient;
  beforeEach(async () => {
    aws = await startEmbeddedAws({ visibilityTimeout: 30 });
    const settings = { region: DEMO.region, endpointUrl: aws.endpoint, credentials, maxAttempts: 2 };
    sqs = new SqsWireClient(settings);
    s3 = new S3WireClient({ ...settings, forcePathStyle: true });
  });
  afterEach(async () => {
    sqs.destroy();
    s3.destroy();
    await aws.stop();
  });

  it("receives with attributes, returns a message, and deletes in a batch", async () => {
    for (const body of ["first", "second ü", "third"]) aws.server.sendMessage(DEMO.queue, body);
    const received = await sqs.receiveMessage({
      QueueUrl: aws.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["ApproximateReceiveCount"],
    });
    const messages = received.Messages ?? [];
    assert.deepEqual(messages.map((m) => m.Body).sort(), ["first", "second ü", "third"]);
    assert.equal(messages[0].Attributes?.ApproximateReceiveCount, "1");
    const [returned, ...rest] = messages;
    await sqs.changeMessageVisibility({
      QueueUrl: aws.queueUrl,
      ReceiptHandle: returned.ReceiptHandle,
      VisibilityTimeout: 0,
    });
    const deleted = await sqs.deleteMessageBatch({
      QueueUrl: aws.queueUrl,
      Entries: rest.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
    });
    assert.equal(deleted.Successful?.length, 2);
    const again = await sqs.receiveMessage({ QueueUrl: aws.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
    assert.deepEqual(
      again.Messages?.map((m) => m.Body),
      [returned.Body],
      "the returned message only",
    );
    const attributes = await sqs.getQueueAttributes({
      QueueUrl: aws.queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    });
    assert.deepEqual(attributes.Attributes, {
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "1",
    });
  });

  it("names a queue that does not exist", async () => {
    const error = await sqs
      .receiveMessage({ QueueUrl: `${aws.endpoint}/123456789012/no-such-queue`, WaitTimeSeconds: 0 })
      .then(
        () => assert.fail("should fail"),
        (e: unknown) => e,
      );
    assert.match(describeCause(error), /^QueueDoesNotExist \(400\)/);
  });

  it("gets objects whose keys need encoding, byte for byte", async () => {
    const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const keys = ["AWSLogs/1/a b+c=d&e/ü€.json.gz", "AWSLogs/1/(x)*[y]~!'.log", "plain.gz"];
    for (const key of keys) await aws.put(key, body);
    for (const key of keys) {
      const object = await s3.getObject(DEMO.bucket, key);
      assert.equal(object.bytes, body.byteLength, key);
      assert.ok((await readAll(object.body)).equals(body), key);
    }
  });

  it("names a missing key with S3's code and status", async () => {
    const error = await s3.getObject(DEMO.bucket, "AWSLogs/missing.gz").then(
      () => assert.fail("should fail"),
      (e: unknown) => e,
    );
    assert.match(describeCause(error), /^NoSuchKey \(404\)/);
  });
});

describe("wire clients against what no emulator serves", () => {
  let server: LocalAwsServer;
  let endpoint: string;
  let answer: (url: string, authorization: string, response: import("node:http").ServerResponse) => void;
  before(async () => {
    server = new LocalAwsServer((request, response) =>
      answer(request.url, String(request.headers.authorization), response),
    );
    endpoint = await server.start();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.seen.length = 0;
  });

  it("S3: follows a bucket's region once, then signs for it from the start", async () => {
    answer = (_url, authorization, response) => {
      if (authorization.includes("/eu-west-1/s3/")) response.end("object");
      else
        xmlError(
          response,
          301,
          "PermanentRedirect",
          "The bucket you are attempting to access must be addressed using the specified endpoint.",
          {
            "x-amz-bucket-region": "eu-west-1",
          },
        );
    };
    const s3 = new S3WireClient({
      region: "us-east-1",
      endpointUrl: endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 3,
    });
    assert.equal((await readAll((await s3.getObject("logs", "a.gz")).body)).toString(), "object");
    assert.equal((await readAll((await s3.getObject("logs", "b.gz")).body)).toString(), "object");
    assert.deepEqual(
      server.seen.map((r) => /\/(\w+-\w+-\d)\/s3\//.exec(String(r.headers.authorization))?.[1]),
      ["us-east-1", "eu-west-1", "eu-west-1"],
    );
    s3.destroy();
  });

  it("S3: a body cut short of its Content-Length fails the object", async () => {
    answer = (_url, _authorization, response) => {
      response.writeHead(200, { "content-length": "1000" });
      response.write(Buffer.alloc(400, 97));
      setTimeout(() => response.socket?.destroy(), 20);
    };
    const s3 = new S3WireClient({
      region: "us-east-1",
      endpointUrl: endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });
    const object = await s3.getObject("logs", "cut.gz");
    await assert.rejects(readAll(object.body));
    s3.destroy();
  });

  it("SQS: a body that does not match its MD5OfBody fails the receive, naming the message", async () => {
    answer = (_url, _authorization, response) => {
      response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      response.end(
        JSON.stringify({
          Messages: [
            { MessageId: "m-ok", ReceiptHandle: "r1", Body: "hello", MD5OfBody: "5d41402abc4b2a76b9719d911017c592" },
            {
              MessageId: "m-altered",
              ReceiptHandle: "r2",
              Body: "hellO",
              MD5OfBody: "5d41402abc4b2a76b9719d911017c592",
            },
          ],
        }),
      );
    };
    const sqs = new SqsWireClient({ region: "us-east-1", endpointUrl: endpoint, credentials, maxAttempts: 1 });
    await assert.rejects(
      sqs.receiveMessage({ QueueUrl: `${endpoint}/1/q` }),
      /message m-altered does not match its MD5OfBody/,
    );
    assert.equal(server.seen[0].headers["x-amz-target"], "AmazonSQS.ReceiveMessage");
    assert.equal(JSON.parse(server.seen[0].body).QueueUrl, `${endpoint}/1/q`);
    sqs.destroy();
  });
});
