import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { type EmbeddedAws, startEmbeddedAws, workerConfigFor } from "../../../scripts/fixtures/demo-stack.ts";
import { startInProcessWorker } from "../../helpers/in-process-worker.ts";
import { MemoryOutput } from "../../helpers/memory-output.ts";

/** `--until-idle` must end: an error no retry can fix ends the run with its cause, not a loop that never exits. */
describe("run --until-idle with an error no retry can fix", () => {
  const sts = mockClient(STSClient);
  let aws: EmbeddedAws;
  before(async () => {
    aws = await startEmbeddedAws();
  });
  after(async () => {
    await aws.stop();
  });
  afterEach(() => sts.reset());

  it("a queue that does not exist ends the run with QueueDoesNotExist", async () => {
    const config = workerConfigFor(
      aws,
      { memory: { type: "console" } },
      { base_url: aws.queueUrl.replace(/[^/]+$/, "no-such-queue") },
    );
    const started = Date.now();
    await assert.rejects(
      startInProcessWorker(config, [new MemoryOutput()], { untilIdle: true }).done,
      (error: Error) => {
        assert.match(error.message, /receiving from .*no-such-queue failed: .*(QueueDoesNotExist|NonExistentQueue)/);
        return true;
      },
    );
    // One attempt, not the ~30 s of backoff that transient errors get.
    assert.ok(Date.now() - started < 10_000, `ended after ${Date.now() - started} ms`);
  });

  it("a refused AssumeRole ends the run, naming the role", async () => {
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: sts:AssumeRole"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403, requestId: "c6104cbe-af31-11e0-8154-cbc7ccf896c7" },
      }),
    );
    const config = workerConfigFor(aws, { memory: { type: "console" } });
    const input = (config.inputs as Record<string, Record<string, unknown>>).sqs_collector;
    input.credentials = {
      aws_access_key_id: "AKIAEXAMPLEKEY000000",
      aws_secret_access_key: "example-secret",
      aws_cross_account_role: "arn:aws:iam::123456789012:role/devo-reader",
      aws_external_id: "wrong-external-id",
    };
    await assert.rejects(
      startInProcessWorker(config, [new MemoryOutput()], { untilIdle: true }).done,
      (error: Error) => {
        assert.match(error.message, /AssumeRole arn:aws:iam::123456789012:role\/devo-reader failed \(AccessDenied/);
        assert.ok(!error.message.includes("example-secret"), "no secret in the error");
        return true;
      },
    );
  });
});
