import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { BENCH, startFauxqsProcess } from "../../scripts/bench/fauxqs-process.ts";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("bench: fauxqs in a process of its own", () => {
  it("serves the bench's queues (with their redrive to the DLQ) and bucket, leaves no init file, and stops", async () => {
    const aws = await startFauxqsProcess();
    try {
      assert.equal(existsSync(join(tmpdir(), `bench-fauxqs-init-${process.pid}.json`)), false);
      const sqs = new SQSClient({ region: BENCH.region, endpoint: aws.endpoint, credentials: BENCH.credentials });
      for (const [queue, name] of Object.entries(BENCH.queues)) {
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
        assert.equal(QueueUrl, aws.queueUrls[queue as keyof typeof aws.queueUrls]);
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["RedrivePolicy"] }),
        );
        assert.match(Attributes?.RedrivePolicy ?? "", new RegExp(`:${BENCH.dlq}"`));
      }
      const s3 = new S3Client({
        region: BENCH.region,
        endpoint: aws.endpoint,
        forcePathStyle: true,
        credentials: BENCH.credentials,
      });
      await s3.send(new HeadBucketCommand({ Bucket: BENCH.bucket }));
    } finally {
      await aws.stop();
    }
    assert.equal(isRunning(aws.pid), false);
  });
});
