import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  type EmbeddedAws,
  startEmbeddedAws,
  uploadCloudTrailFiles,
  workerConfigFor,
} from "../../../scripts/fixtures/demo-stack.ts";
import { startWorkerProcess, type WorkerProcess, waitFor } from "../../helpers/worker-process.ts";
import { AwsProxy, type ProxyHooks } from "./aws-proxy.ts";
import { DeliveryLedger } from "./delivery-ledger.ts";

export interface ScenarioOptions {
  visibilityTimeout?: number;
  maxReceiveCount?: number;
  s3Get?: ProxyHooks["s3Get"];
}

/**
 * One reliability scenario: fauxqs in-process, the checking proxy in front of it, a ledger of expected events,
 * and workers started as real processes (so SIGKILL is real) that each append to their own jsonl file.
 */
export class Scenario {
  readonly aws: EmbeddedAws;
  readonly proxy: AwsProxy;
  readonly ledger: DeliveryLedger;
  readonly dir: string;
  readonly outDir: string;
  #workers = 0;

  private constructor(aws: EmbeddedAws, proxy: AwsProxy, ledger: DeliveryLedger, dir: string) {
    this.aws = aws;
    this.proxy = proxy;
    this.ledger = ledger;
    this.dir = dir;
    this.outDir = join(dir, "out");
  }

  static async start(options: ScenarioOptions = {}): Promise<Scenario> {
    const aws = await startEmbeddedAws({
      visibilityTimeout: options.visibilityTimeout ?? 5,
      maxReceiveCount: options.maxReceiveCount ?? 50,
    });
    const dir = await mkdtemp(join(tmpdir(), "reliability-"));
    await mkdir(join(dir, "out"));
    const ledger = new DeliveryLedger(join(dir, "out"));
    const proxy = await AwsProxy.start(aws.endpoint, {
      s3Get: options.s3Get,
      received: ledger.received,
      deleting: ledger.deleting,
    });
    return new Scenario(aws, proxy, ledger, dir);
  }

  /** Uploads `files` CloudTrail files, records their events in the ledger and announces each (half via SNS). */
  async uploadAndAnnounce(
    files: number,
    records: (index: number) => number,
    seed: number,
  ): Promise<{ key: string; size: number }[]> {
    const written = await uploadCloudTrailFiles(this.aws, files, records, seed);
    for (const [index, file] of written.entries()) {
      this.ledger.expect(
        file.key,
        file.records.map((r) => r.eventID as string),
      );
      this.aws.announce([{ key: file.key, size: file.size }], index % 2 === 0 ? "direct" : "sns");
    }
    return written;
  }

  /** Writes a config whose AWS endpoint is the proxy, with a file output of its own, and returns its path. */
  async config(
    outputs?: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    globals: Record<string, unknown> = {},
  ): Promise<string> {
    const n = this.#workers++;
    const config = workerConfigFor(
      this.aws,
      outputs ?? {
        file_1: { type: "file", config: { path: join(this.outDir, `worker-${String(n).padStart(3, "0")}.jsonl`) } },
      },
      {
        sqs_wait_timeout: 1,
        retry_backoff_seconds: 0,
        max_retry_backoff_seconds: 1,
        ...extra,
        endpoint_url: this.proxy.url,
      },
    );
    config.globals = { ...config.globals, ...globals };
    const path = join(this.dir, `collector-${n}.yaml`);
    await writeFile(path, stringify(config));
    return path;
  }

  async startWorker(
    untilIdle: boolean,
    extra: Record<string, unknown> = {},
    outputs?: Record<string, unknown>,
    globals: Record<string, unknown> = {},
  ): Promise<WorkerProcess> {
    const config = await this.config(outputs, extra, globals);
    return startWorkerProcess(["run", "--config", config, ...(untilIdle ? ["--until-idle"] : [])]);
  }

  /** Waits until the ledger counts more delivered events than `before`: the worker is at work. */
  async newEventsAfter(before: number): Promise<void> {
    await waitFor(
      () => {
        this.ledger.refresh();
        return this.ledger.result().delivered > before;
      },
      20_000,
      "the worker's first events",
    );
  }

  queueDepth(): { ready: number; inflight: number; delayed: number; dlq: number } {
    const queue = this.aws.server.inspectQueue("devo-demo-cloudtrail")?.messages;
    const dlq = this.aws.server.inspectQueue("devo-demo-cloudtrail-dlq")?.messages;
    return {
      ready: queue?.ready.length ?? 0,
      inflight: queue?.inflight.length ?? 0,
      delayed: queue?.delayed.length ?? 0,
      dlq: (dlq?.ready.length ?? 0) + (dlq?.inflight.length ?? 0),
    };
  }

  async stop(): Promise<void> {
    await this.proxy.stop();
    await this.aws.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
