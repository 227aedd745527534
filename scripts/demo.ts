/**
 * `npm start`: the whole path on an embedded AWS, with no account and no Docker. Creates what the infra stack
 * would (bucket, queue + DLQ, SNS topic), uploads gzipped CloudTrail files under CloudTrail's own key layout,
 * announces them as S3 does (some straight to the queue, some through the topic, plus S3's test event), runs
 * the collector until the queue is drained, checks every record arrived once, and prints a summary.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { expectedCloudTrailTag } from "./fixtures/cloudtrail-generator.ts";
import { DEMO, startEmbeddedAws, uploadCloudTrailFiles, workerConfigFor } from "./fixtures/demo-stack.ts";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const outDir = resolve(root, "demo-output");
const FILES = 24;

async function main(): Promise<number> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const eventsFile = resolve(outDir, "events.jsonl");
  const configFile = resolve(outDir, "collector.yaml");
  const summaryFile = resolve(outDir, "summary.json");

  const aws = await startEmbeddedAws();
  try {
    process.stdout.write(`embedded AWS (fauxqs) at ${aws.endpoint}\n`);
    const files = await uploadCloudTrailFiles(aws, FILES, (index) => 150 + ((index * 37) % 250));
    aws.sendTestEvent();
    for (const [index, file] of files.entries())
      aws.announce([{ key: file.key, size: file.size }], index % 2 === 0 ? "direct" : "sns");
    const records = files.reduce((sum, file) => sum + file.records.length, 0);
    process.stdout.write(
      `uploaded ${files.length} CloudTrail files (${records} records); announced half directly, half through SNS\n`,
    );

    const config = workerConfigFor(aws, { file_1: { type: "file", config: { path: eventsFile, format: "jsonl" } } });
    const configText = stringify(config);
    await writeFile(configFile, configText);
    process.stdout.write(
      `worker configuration (${configFile}), a starting point for yours:\n${configText.replace(/^/gm, "  ")}`,
    );

    const started = performance.now();
    const code = await runWorker(["run", "--config", configFile, "--until-idle", "--summary-json", summaryFile]);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) {
      process.stderr.write(`the collector exited with ${code}\n`);
      return 1;
    }

    const delivered = (await readFile(eventsFile, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { tag: string; message: string });
    const expected = new Map<string, number>();
    for (const file of files)
      for (const record of file.records)
        expected.set(expectedCloudTrailTag(record), (expected.get(expectedCloudTrailTag(record)) ?? 0) + 1);
    const byTag = new Map<string, number>();
    for (const event of delivered) byTag.set(event.tag, (byTag.get(event.tag) ?? 0) + 1);
    const summary = JSON.parse(await readFile(summaryFile, "utf8")) as {
      events: number;
      elapsedMs: number;
      workAcked: number;
    };

    process.stdout.write(`\nDevo table                                 events\n`);
    for (const [tag, count] of [...byTag].sort())
      process.stdout.write(`${tag.padEnd(42)} ${String(count).padStart(6)}\n`);
    process.stdout.write(
      `\nobjects ${files.length}, messages deleted ${summary.workAcked}, events ${delivered.length} in ${seconds.toFixed(2)} s ` +
        `(${Math.round(summary.events / (summary.elapsedMs / 1000))} events/s while collecting)\noutput: ${eventsFile}\n`,
    );

    const mismatched = [...expected].filter(([tag, count]) => byTag.get(tag) !== count);
    if (delivered.length !== records || mismatched.length > 0) {
      process.stderr.write(
        `delivery check failed: expected ${records} events, got ${delivered.length}; mismatched tags ${JSON.stringify(mismatched)}\n`,
      );
      return 1;
    }
    const queue = aws.server.inspectQueue(DEMO.queue)?.messages;
    const left = (queue?.ready.length ?? 0) + (queue?.inflight.length ?? 0) + (queue?.delayed.length ?? 0);
    if (left > 0) {
      process.stderr.write(`${left} message(s) left on the queue\n`);
      return 1;
    }
    process.stdout.write(`every record delivered exactly once; every message deleted\n`);
    return 0;
  } finally {
    await aws.stop();
  }
}

function runWorker(args: string[]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve(root, "worker/main.ts"), ...args], {
      stdio: ["ignore", "inherit", "pipe"],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    });
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.on("error", reject);
    child.on("exit", (code) => resolvePromise(code ?? 1));
  });
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`demo failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
