import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { stringify } from "yaml";
import {
  DEMO,
  type EmbeddedAws,
  startEmbeddedAws,
  uploadCloudTrailFiles,
  workerConfigFor,
} from "../../../scripts/fixtures/demo-stack.ts";
import { startWorkerProcess, waitFor } from "../../helpers/worker-process.ts";

function deliveredIds(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.endsWith("}"))
    .map((line) => (JSON.parse(JSON.parse(line).message) as { eventID: string }).eventID);
}

describe("the worker as a process", () => {
  let aws: EmbeddedAws;
  let dir: string;
  beforeEach(async () => {
    aws = await startEmbeddedAws({ maxReceiveCount: 10 });
    dir = await mkdtemp(join(tmpdir(), "worker-process-"));
  });
  afterEach(async () => {
    await aws.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(eventsFile: string, extra: Record<string, unknown> = {}) {
    const config = workerConfigFor(
      aws,
      { file_1: { type: "file", config: { path: eventsFile } } },
      { sqs_wait_timeout: 1, ...extra },
    );
    const path = join(dir, "collector.yaml");
    await writeFile(path, stringify(config));
    return path;
  }

  it("loses nothing when killed with SIGKILL mid-object: the object is delivered after restart", async () => {
    const files = await uploadCloudTrailFiles(aws, 4, () => 6000, 21);
    for (const file of files) aws.announce([{ key: file.key }], "direct");
    const eventsFile = join(dir, "events.jsonl");
    const config = await writeConfig(eventsFile, { sqs_visibility_timeout: 3, sqs_max_messages: 1 });
    const first = startWorkerProcess(["run", "--config", config]);
    await waitFor(() => deliveredIds(eventsFile).length > 0, 20_000, "the first events");
    first.child.kill("SIGKILL");
    const killed = await first.exited;
    assert.equal(killed.signal, "SIGKILL");
    const beforeRestart = deliveredIds(eventsFile).length;
    const expected = files.flatMap((file) => file.records.map((record) => record.eventID as string));
    assert.ok(beforeRestart < expected.length, `killed mid-way (${beforeRestart} of ${expected.length} delivered)`);

    const second = startWorkerProcess(["run", "--config", config, "--until-idle"]);
    const { code } = await second.exited;
    assert.equal(code, 0, second.stderr());
    const delivered = new Set(deliveredIds(eventsFile));
    const missing = expected.filter((id) => !delivered.has(id));
    assert.deepEqual(missing, [], "every record delivered at least once");
    const queue = aws.server.inspectQueue(DEMO.queue)?.messages;
    assert.equal((queue?.ready.length ?? 0) + (queue?.inflight.length ?? 0), 0);
  });

  it("drains on SIGTERM: stops receiving, finishes or returns in-flight work, exits 0", async () => {
    const files = await uploadCloudTrailFiles(aws, 12, () => 3000, 31);
    for (const file of files) aws.announce([{ key: file.key }], "sns");
    const eventsFile = join(dir, "events.jsonl");
    const config = await writeConfig(eventsFile, { sqs_visibility_timeout: 60, sqs_max_messages: 1 });
    const worker = startWorkerProcess(["run", "--config", config]);
    await waitFor(() => deliveredIds(eventsFile).length > 0, 20_000, "the first events");
    // process.kill, not child.kill: Deno's child_process reports a child it signalled through child.kill() as
    // killed by that signal (code null), even when the child handled it and exited 0 itself.
    process.kill(worker.child.pid ?? 0, "SIGTERM");
    const { code } = await worker.exited;
    assert.equal(code, 0, worker.stderr());
    assert.match(worker.stderr(), /stop requested/);
    const queue = aws.server.inspectQueue(DEMO.queue)?.messages;
    assert.equal(queue?.inflight.length ?? -1, 0, "nothing left invisible: unfinished messages were returned at once");
    const remaining = queue?.ready.length ?? 0;
    assert.ok(remaining < files.length, "some messages were deleted before the stop");

    const delivered = new Set(deliveredIds(eventsFile));
    // Every deleted message's events are in the file; the rest are still on the queue, ready for the next run.
    const restart = startWorkerProcess(["run", "--config", config, "--until-idle"]);
    assert.equal((await restart.exited).code, 0, restart.stderr());
    for (const id of deliveredIds(eventsFile)) delivered.add(id);
    const expected = files.flatMap((file) => file.records.map((record) => record.eventID as string));
    assert.deepEqual(
      expected.filter((id) => !delivered.has(id)),
      [],
    );
  });

  it("exits 2 with the exact config path on a bad configuration", async () => {
    const path = join(dir, "bad.yaml");
    await writeFile(
      path,
      stringify({
        outputs: { c: { type: "console" } },
        inputs: { sqs_collector: { base_url: "not a url", services: { aws_sqs_cloudtrail: { bogus: 1 } } } },
      }),
    );
    const worker = startWorkerProcess(["run", "--config", path]);
    const { code } = await worker.exited;
    assert.equal(code, 2);
    assert.match(worker.stderr(), /inputs\.sqs_collector\.base_url/);
  });
});
