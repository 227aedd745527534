import { type ChildProcess, spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../..");

export const BENCH = {
  region: "us-east-1",
  account: "123456789012",
  bucket: "bench-logs",
  /** One queue per log type, as the infrastructure builds them (one Devo service reads each). */
  queues: { cloudtrail: "bench-cloudtrail", vpc: "bench-vpc", alb: "bench-alb" },
  /** The Devo service that reads each queue. */
  services: { cloudtrail: "aws_sqs_cloudtrail", vpc: "aws_sqs_vpc", alb: "aws_sqs_alb" },
  dlq: "bench-logs-dlq",
  credentials: { accessKeyId: "bench", secretAccessKey: "bench-secret" },
} as const;

export type BenchQueue = keyof typeof BENCH.queues;

export interface FauxqsProcess {
  endpoint: string;
  /** The CloudTrail queue (the one most measures use). */
  queueUrl: string;
  queueUrls: Record<BenchQueue, string>;
  pid: number;
  stop(): Promise<void>;
}

async function waitForHealth(child: ChildProcess, endpoint: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fauxqs exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(`${endpoint}/health`);
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`fauxqs did not start on ${endpoint}: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * fauxqs as its own process (its CLI), so its CPU is not charged to the bench's event loop and the worker talks
 * to it over real sockets, as it would to AWS. Queue, DLQ and bucket come from an init file.
 */
export async function startFauxqsProcess(): Promise<FauxqsProcess> {
  const port = await freePort();
  const init = join(tmpdir(), `bench-fauxqs-init-${process.pid}.json`);
  await writeFile(
    init,
    JSON.stringify({
      queues: [
        { name: BENCH.dlq, attributes: { MessageRetentionPeriod: "1209600" } },
        ...Object.values(BENCH.queues).map((name) => ({
          name,
          attributes: {
            VisibilityTimeout: "120",
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: `arn:aws:sqs:${BENCH.region}:000000000000:${BENCH.dlq}`,
              maxReceiveCount: "5",
            }),
          },
        })),
      ],
      buckets: [BENCH.bucket],
    }),
  );
  const child: ChildProcess = spawn(process.execPath, [resolve(root, "node_modules/fauxqs/dist/cli.js")], {
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      FAUXQS_PORT: String(port),
      FAUXQS_LOGGER: "false",
      FAUXQS_INIT: init,
      FAUXQS_DEFAULT_REGION: BENCH.region,
    },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  // fauxqs reads the init file right after it starts listening, before it serves a request: once it answers, the
  // file has done its job. A fauxqs that does not come up is stopped, and its file removed all the same.
  try {
    await waitForHealth(child, endpoint, () => stderr);
  } catch (error) {
    child.kill("SIGTERM");
    throw error;
  } finally {
    await rm(init, { force: true });
  }
  const urlOf = (name: string) => `http://sqs.${BENCH.region}.localhost:${port}/000000000000/${name}`;
  const queueUrls = {
    cloudtrail: urlOf(BENCH.queues.cloudtrail),
    vpc: urlOf(BENCH.queues.vpc),
    alb: urlOf(BENCH.queues.alb),
  };
  return {
    endpoint,
    queueUrl: queueUrls.cloudtrail,
    queueUrls,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
