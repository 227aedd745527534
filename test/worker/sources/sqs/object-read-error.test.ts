import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { decompress } from "../../../../worker/formats/decompress.ts";
import { ObjectReadError } from "../../../../worker/formats/object-read-error.ts";
import { describeCause } from "../../../../worker/sources/sqs/describe-cause.ts";

async function* once(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  yield chunk;
}

/** What the SQS source throws when one announced object cannot be read (see SqsSource#objectEvents). */
const atObject = (cause: unknown) =>
  ObjectReadError.at("logs-bucket", "AWSLogs/1/a.json.gz", cause, describeCause(cause));

describe("ObjectReadError", () => {
  it("from the formats layer carries its message and cause but no place", () => {
    const cause = new Error("bad frame");
    const error = new ObjectReadError("zstd: bad frame", { cause });
    assert.equal(String(error), "ObjectReadError: zstd: bad frame");
    assert.equal(error.cause, cause);
    assert.equal(error.bucket, undefined);
    assert.equal(error.key, undefined);
    assert.equal("cause" in new ObjectReadError("no cause"), false);
  });

  it("at an object names bucket, key and an AWS SDK error's name, status and message", () => {
    const sdkError = Object.assign(new Error("The specified key does not exist."), {
      name: "NoSuchKey",
      $metadata: { httpStatusCode: 404 },
    });
    const error = atObject(sdkError);
    assert.ok(error instanceof ObjectReadError);
    assert.equal(
      error.message,
      "s3://logs-bucket/AWSLogs/1/a.json.gz: NoSuchKey (404): The specified key does not exist.",
    );
    assert.equal(error.bucket, "logs-bucket");
    assert.equal(error.key, "AWSLogs/1/a.json.gz");
    assert.equal(error.cause, sdkError);
  });

  it("at an object keeps the formats layer's reason (codec and cause) after the place", async () => {
    const truncated = gzipSync("x".repeat(5000)).subarray(0, 30);
    let formatsError: unknown;
    try {
      for await (const _ of decompress(once(truncated))) {
        // drained only to reach the error
      }
    } catch (error) {
      formatsError = error;
    }
    assert.ok(formatsError instanceof ObjectReadError, String(formatsError));
    const error = atObject(formatsError);
    assert.match(error.message, /^s3:\/\/logs-bucket\/AWSLogs\/1\/a\.json\.gz: ObjectReadError: gzip: /);
    assert.equal(error.cause, formatsError);
  });

  it("describes causes that are not AWS errors, and empty ones", () => {
    assert.equal(describeCause("socket hang up"), "socket hang up");
    assert.equal(describeCause(new Error("plain")), "plain");
    assert.equal(describeCause(Object.assign(new Error("UnknownError"), { name: "Error" })), "unknown error");
  });
});
