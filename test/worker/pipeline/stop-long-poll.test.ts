import assert from "node:assert/strict";
import process from "node:process";
import { afterEach, beforeEach, describe, it } from "node:test";
import { stringify } from "yaml";
import { DEMO, type EmbeddedAws, startEmbeddedAws, workerConfigFor } from "../../../scripts/fixtures/demo-stack.ts";
import { longPollSeconds } from "../../../worker/pipeline/build-sources.ts";
import { s3EventNotification } from "../../helpers/notifications.ts";
import { startWorkerProcess, waitFor } from "../../helpers/worker-process.ts";

/**
 * A stop must not abandon a long poll: SQS (and fauxqs) can still hand the next message to the abandoned request,
 * and it stays hidden for its visibility timeout. Found by the bench: a worker stopped with a 10 s grace while in a
 * 20 s poll hid the next run's first messages for two minutes.
 */
describe("stopping a worker whose long poll is longer than its grace", () => {
  let aws: EmbeddedAws;
  beforeEach(async () => {
    aws = await startEmbeddedAws({ visibilityTimeout: 120 });
  });
  afterEach(async () => {
    await aws.stop();
  });

  it("keeps long polls within the grace (a second less), and within sqs_wait_timeout", () => {
    assert.equal(longPollSeconds(20, 30), 20);
    assert.equal(longPollSeconds(20, 10), 9);
    assert.equal(longPollSeconds(20, 0), 0);
    assert.equal(longPollSeconds(5, undefined), 5);
  });

  it("exits within the grace, and a message sent afterwards is not hidden by an abandoned poll", async () => {
    const config = workerConfigFor(aws, { console_1: { type: "console" } }, { sqs_wait_timeout: 20 });
    config.globals.shutdown_grace_seconds = 3;
    const worker = startWorkerProcess(["run", "--config-env", "DEVO_COLLECTOR_CONFIG"], {
      DEVO_COLLECTOR_CONFIG: stringify(config),
    });
    await waitFor(() => worker.stderr().includes("collector started"), 20_000, "the worker to start");
    // Let it settle into its idle long poll.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stoppedAt = Date.now();
    // process.kill, not child.kill: Deno reports a child signalled through child.kill() as killed (code null) even
    // when it handled the signal and exited 0.
    process.kill(worker.child.pid ?? 0, "SIGTERM");
    const { code } = await worker.exited;
    assert.equal(code, 0, worker.stderr());
    assert.ok(Date.now() - stoppedAt < 8_000, `exited ${Date.now() - stoppedAt} ms after SIGTERM`);
    aws.server.sendMessage(DEMO.queue, s3EventNotification([{ bucket: DEMO.bucket, key: "after-stop.json.gz" }]));
    // No poll of the dead worker may be holding it: it is visible at once.
    await waitFor(
      () => (aws.server.inspectQueue(DEMO.queue)?.messages.ready.length ?? 0) === 1,
      2_000,
      "the message to be visible",
    );
    assert.equal(aws.server.inspectQueue(DEMO.queue)?.messages.inflight.length ?? 0, 0);
  });
});
