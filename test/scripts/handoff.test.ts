import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify } from "yaml";
import { WORKER_COMMAND, WORKER_SECRET_ENV } from "../../infra/constructs/worker-container.ts";
import { expectedCloudTrailTag } from "../../scripts/fixtures/cloudtrail-generator.ts";
import { DEMO, startEmbeddedAws, uploadCloudTrailFiles } from "../../scripts/fixtures/demo-stack.ts";
import { buildHandoff } from "../../scripts/handoff/build-handoff.ts";
import { HandoffError } from "../../scripts/handoff/handoff-error.ts";
import { parseStackOutputs } from "../../scripts/handoff/read-stack-outputs.ts";
import { alarmsSummary, ECS_CONFIG_FILE, writeHandoff } from "../../scripts/handoff.ts";
import { BucketGuard, BucketNotAllowedError } from "../../worker/aws/bucket-owner.ts";
import { validateConfig } from "../../worker/config/load-config.ts";
import { findService } from "../../worker/services/catalog.ts";
import { makeTestCerts } from "../helpers/certs.ts";
import { TlsSink } from "../helpers/tls-sink.ts";
import { startWorkerProcess } from "../helpers/worker-process.ts";
import { ecsWorkerScenario } from "../infra/helpers/scenarios.ts";
import { synthesize } from "../infra/helpers/synth.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../..");
const fixtures = resolve(root, "test/fixtures/handoff");
const terraformFixture = join(fixtures, "terraform-output.json");
const cdktfFixture = join(fixtures, "cdktf-outputs.json");
/** `terraform output -json` of the ECS worker scenario (test/infra/helpers/scenarios.ts), checked below. */
const ecsFixture = join(fixtures, "terraform-output-ecs.json");

const ROLE = "arn:aws:iam::111122223333:role/devo-log-reader";
const EXTERNAL_ID = "devo-7f3a9c21-acme-prod";
const QUEUES = {
  cloudtrail: {
    url: "https://sqs.eu-west-1.amazonaws.com/111122223333/acme-devo-cloudtrail",
    service: "aws_sqs_cloudtrail",
  },
  vpc_flow_logs: {
    url: "https://sqs.eu-west-1.amazonaws.com/111122223333/acme-devo-vpc-flow-logs",
    service: "aws_sqs_vpc",
  },
  security_hub: {
    url: "https://sqs.eu-west-1.amazonaws.com/111122223333/acme-devo-security-hub",
    service: "sqs-cloudwatch-consumer",
  },
  cdn: { url: "https://sqs.eu-west-1.amazonaws.com/111122223333/acme-devo-cloudfront", service: "custom_service" },
};

interface HandoffJson {
  aws_account_id: string;
  region: string;
  role_arn: string;
  external_id: string;
  access_mode: string;
  collectors: {
    name: string;
    devo_service: string;
    queue_url: string;
    role_arn: string;
    external_id: string;
    region: string;
  }[];
}

/** Problems of a hand-off that must fail; fails the test if it does not. */
function problemsOf(document: unknown, stack?: string): string[] {
  try {
    buildHandoff(parseStackOutputs(document, "outputs.json", stack), "outputs.json");
  } catch (error) {
    assert.ok(error instanceof HandoffError, `expected a HandoffError, got ${(error as Error).stack}`);
    assert.match(error.message, /outputs\.json/, "the error names the file");
    return error.problems;
  }
  assert.fail("expected the hand-off to fail");
}

const goodFlat = () => ({
  region: "eu-west-1",
  role_arn: ROLE,
  external_id: EXTERNAL_ID,
  queues: { cloudtrail: { url: QUEUES.cloudtrail.url } },
});

/** `terraform output -json` of a self-hosted stack with one CloudTrail queue: the embedded AWS's queue. */
function emulatedStackOutputs(queueUrl: string) {
  return {
    access_mode: { value: "self_hosted", type: "string", sensitive: false },
    region: { value: DEMO.region, type: "string", sensitive: false },
    technologies: {
      value: { trail: { type: "cloudtrail", service: "aws_sqs_cloudtrail", queue_url: queueUrl } },
      type: ["object", {}],
      sensitive: false,
    },
  };
}

/** Points a generated input at the embedded AWS: its endpoint and keys, nothing else. */
function pointAtEmulator(input: Record<string, unknown>, endpoint: string): void {
  Object.assign(input, {
    endpoint_url: endpoint,
    s3_force_path_style: true,
    credentials: {
      aws_access_key_id: DEMO.credentials.accessKeyId,
      aws_secret_access_key: DEMO.credentials.secretAccessKey,
    },
  });
}

describe("npm run handoff", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "handoff-test-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [format, fixture] of [
    ["terraform output -json", terraformFixture],
    ["cdktf output --outputs-file", cdktfFixture],
  ] as const) {
    test(`${format}: Devo gets service, queue URL, role ARN and ExternalId per technology`, async () => {
      const out = join(dir, format.split(" ")[0]);
      const run = await writeHandoff(
        [fixture, "--out-dir", out, "--devo-region", "us"],
        new Date("2026-11-23T10:00:00Z"),
      );
      assert.equal(run.queues, 4);

      const json = JSON.parse(await readFile(join(out, "devo-handoff.json"), "utf8")) as HandoffJson;
      assert.equal(json.aws_account_id, "111122223333");
      assert.equal(json.region, "eu-west-1");
      assert.equal(json.role_arn, ROLE);
      assert.equal(json.external_id, EXTERNAL_ID);
      assert.equal(json.access_mode, "devo");
      assert.deepEqual(
        json.collectors.map((c) => [c.name, c.devo_service, c.queue_url, c.role_arn, c.external_id, c.region]).sort(),
        Object.entries(QUEUES)
          .map(([technology, q]) => [technology, q.service, q.url, ROLE, EXTERNAL_ID, "eu-west-1"])
          .sort(),
      );

      const markdown = await readFile(join(out, "devo-handoff.md"), "utf8");
      for (const queue of Object.values(QUEUES)) {
        const rows = markdown.split("\n").filter((line) => line.startsWith("|") && line.includes(queue.url));
        assert.equal(rows.length, 1, `one table row for ${queue.url}`);
        assert.ok(rows[0].includes(`\`${queue.service}\``), `row names ${queue.service}: ${rows[0]}`);
      }
      assert.ok(markdown.includes(`\`${ROLE}\``) && markdown.includes(`\`${EXTERNAL_ID}\``));
    });
  }

  test("worker-config.yaml passes the worker's own validation, one input per technology", async () => {
    const out = join(dir, "validate");
    await writeHandoff([terraformFixture, "--out-dir", out, "--devo-region", "eu"]);
    const text = await readFile(join(out, "worker-config.yaml"), "utf8");
    const document = parseYaml(text) as {
      inputs: Record<
        string,
        {
          type: string;
          enabled: boolean;
          base_url?: string;
          credentials: Record<string, string>;
          services: Record<string, Record<string, unknown>>;
        }
      >;
      outputs: { devo_1: { type: string; config: Record<string, unknown> } };
    };
    const config = validateConfig(document, "worker-config.yaml");

    assert.deepEqual(Object.keys(document.inputs).sort(), Object.keys(QUEUES).sort());
    for (const [technology, queue] of Object.entries(QUEUES)) {
      const input = document.inputs[technology];
      if (input.type === "aws") {
        // Devo's AWS collector takes the queue by name, in each of the service's regions.
        assert.equal(input.base_url, undefined, technology);
        assert.deepEqual(input.services[queue.service], {
          cloudwatch_sqs_queue_name: queue.url.split("/").pop(),
          regions: [queue.url.split(".")[1]],
        });
      } else {
        assert.equal(input.base_url, queue.url);
      }
      // Enabled exactly when this worker can run the service from the queue alone: a disabled input is the honest
      // answer for the others (custom_service needs a format and a tag that no stack output carries).
      const runnable =
        queue.service !== "custom_service" &&
        findService(queue.service, input.type as "sqs_collector" | "aws") !== undefined;
      assert.equal(input.enabled, runnable, technology);
    }
    // The role trusts only Devo's principal: the file says so, and how to run it otherwise.
    assert.match(
      text,
      /# The inputs assume arn:aws:iam::\d{12}:role\/\S+ with its ExternalId\. That role's trust policy admits only/,
    );
    assert.match(text, /--default-credentials/);
    assert.deepEqual(document.inputs.cloudtrail.credentials, {
      aws_cross_account_role: ROLE,
      aws_external_id: EXTERNAL_ID,
    });
    const cloudtrail = config.inputs.find((input) => input.name === "cloudtrail");
    assert.ok(cloudtrail !== undefined, "the CloudTrail input is enabled");
    assert.equal(cloudtrail.type, "sqs_collector");
    assert.deepEqual(cloudtrail.credentials, { targetRoleArn: ROLE, externalId: EXTERNAL_ID });
    assert.deepEqual(
      cloudtrail.services.map((service) => service.definition.name),
      ["aws_sqs_cloudtrail"],
    );
    assert.equal(document.outputs.devo_1.type, "devo_platform");
    assert.equal(document.outputs.devo_1.config.address, "collector-eu.devo.io");
    assert.equal(config.globals.metrics?.port, 9464);
  });

  test("each input reads only the buckets the stack says notify its queue, each with its owner", async () => {
    const out = join(dir, "buckets");
    await writeHandoff([terraformFixture, "--out-dir", out, "--devo-region", "eu"]);
    const text = await readFile(join(out, "worker-config.yaml"), "utf8");
    const inputs = (parseYaml(text) as { inputs: Record<string, { allowed_buckets?: unknown }> }).inputs;
    const own = { bucket: "acme-security-logs-111122223333", owner: "111122223333" };
    // The partner's bucket (sns.external_buckets) is read too, expecting its own account as owner.
    assert.deepEqual(inputs.cloudtrail.allowed_buckets, [own, { bucket: "partner-trail-logs", owner: "444455556666" }]);
    assert.deepEqual(inputs.vpc_flow_logs.allowed_buckets, [own]);
    // No bucket notifies the EventBridge queue: the stack's bucket, as for outputs that list no buckets.
    assert.deepEqual(inputs.security_hub.allowed_buckets, [own]);
    assert.match(text, /# The only buckets read: those that notify this queue, as the stack lists them/);
    // As the worker reads it: the partner's objects are fetched expecting the partner as owner, others refused.
    const config = validateConfig(parseYaml(text), "worker-config.yaml");
    const cloudtrail = config.inputs.find((input) => input.name === "cloudtrail");
    assert.ok(cloudtrail !== undefined);
    const guard = new BucketGuard("cloudtrail", QUEUES.cloudtrail.url, cloudtrail);
    assert.equal(guard.ownerOf("partner-trail-logs")?.account, "444455556666");
    assert.equal(guard.ownerOf("acme-security-logs-111122223333")?.account, "111122223333");
    assert.throws(() => guard.ownerOf("someone-elses-bucket"), BucketNotAllowedError);
  });

  test("the run reports the stack's alarms and where they go, or that failures will be silent", async () => {
    const run = await writeHandoff([ecsFixture, "--out-dir", join(dir, "alarms"), "--devo-region", "eu"]);
    const synth = synthesize(ecsWorkerScenario());
    assert.deepEqual(run.alarms?.names, synth.output("alarm_names"));
    assert.ok((run.alarms?.names.length ?? 0) > 0);
    const withTopic = alarmsSummary({ names: ["a", "b"], topicArn: "arn:aws:sns:eu-west-1:111122223333:acme-alarms" });
    assert.match(
      withTopic,
      /^Alarms: 2 on the queues .* notifying arn:aws:sns:eu-west-1:111122223333:acme-alarms: each e-mail/,
    );
    assert.match(alarmsSummary({ names: [] }), /failures will be silent/);
    // Older outputs without alarm outputs: nothing is said.
    const old = await writeHandoff([terraformFixture, "--out-dir", join(dir, "no-alarms"), "--devo-region", "eu"]);
    assert.equal(old.alarms, undefined);
  });

  test("malformed buckets of a queue are named", () => {
    const outputs = parseStackOutputs(
      {
        role_arn: ROLE,
        external_id: EXTERNAL_ID,
        technologies: { cloudtrail: { url: QUEUES.cloudtrail.url, buckets: [{ bucket: "Bad_Name" }] } },
      },
      "o.json",
    );
    assert.throws(
      () => buildHandoff(outputs, "o.json"),
      (error: unknown) =>
        error instanceof HandoffError &&
        /technologies\.cloudtrail\.buckets\[0\]: expected \{bucket/.test(error.message),
    );
  });

  test("--default-credentials leaves the credentials out (instance or task role) and still validates", async () => {
    const out = join(dir, "default-chain");
    await writeHandoff([
      cdktfFixture,
      "--out-dir",
      out,
      "--devo-region",
      "us",
      "--default-credentials",
      "--state-dir",
      "/srv/state",
    ]);
    const document = parseYaml(await readFile(join(out, "worker-config.yaml"), "utf8")) as {
      inputs: Record<string, Record<string, unknown>>;
    };
    for (const input of Object.values(document.inputs)) assert.equal("credentials" in input, false);
    const config = validateConfig(document);
    assert.deepEqual(config.globals.persistence, { type: "filesystem", config: { directory_name: "/srv/state" } });
    for (const input of config.inputs) assert.equal(input.credentials, undefined);
  });

  test("a flat map of outputs and a nested devo_handoff output are read the same way", () => {
    const flat = buildHandoff(parseStackOutputs(goodFlat(), "a.json"), "a.json");
    const nested = buildHandoff(parseStackOutputs({ devo_handoff: goodFlat(), unrelated: "x" }, "b.json"), "b.json");
    assert.deepEqual({ ...flat, source: "" }, { ...nested, source: "" });
    assert.equal(flat.queues[0].service, "aws_sqs_cloudtrail");
    assert.equal(flat.accountId, "111122223333");
  });

  test("one pair of camelCase outputs per technology (cdktf ids) is read too, dead-letter queues left out", () => {
    const handoff = buildHandoff(
      parseStackOutputs(
        {
          stack: {
            roleArn: ROLE,
            externalId: EXTERNAL_ID,
            cloudtrailQueueUrl: QUEUES.cloudtrail.url,
            cloudtrailQueueArn: "arn:aws:sqs:eu-west-1:111122223333:acme-devo-cloudtrail",
            cloudtrailDeadLetterQueueUrl: `${QUEUES.cloudtrail.url}-dlq`,
            cloudtrailDlqUrl: `${QUEUES.cloudtrail.url}-dlq`,
            securityHubQueueUrl: QUEUES.security_hub.url,
          },
        },
        "c.json",
      ),
      "c.json",
    );
    assert.deepEqual(
      handoff.queues.map((q) => [q.name, q.service, q.queueUrl, q.queueArn !== undefined]),
      [
        ["cloudtrail", "aws_sqs_cloudtrail", QUEUES.cloudtrail.url, true],
        ["securityhub", "sqs-cloudwatch-consumer", QUEUES.security_hub.url, false],
      ],
    );
    assert.equal(handoff.region, "eu-west-1", "taken from the queue URLs when there is no region output");
  });

  test("a self-hosted stack needs no ExternalId, and its worker config uses the instance or task role", async () => {
    const document = {
      access_mode: "self_hosted",
      role_arn: "",
      external_id: "",
      account_id: "111122223333",
      region: "eu-west-1",
      technologies: {
        cloudtrail: { type: "cloudtrail", service: "aws_sqs_cloudtrail", queue_url: QUEUES.cloudtrail.url },
      },
    };
    const file = join(dir, "self-hosted.json");
    await writeFile(file, JSON.stringify(document));
    const out = join(dir, "self-hosted");
    await writeHandoff([file, "--out-dir", out, "--devo-region", "us"]);
    const json = JSON.parse(await readFile(join(out, "devo-handoff.json"), "utf8")) as Record<string, unknown>;
    assert.equal(json.access_mode, "self_hosted");
    assert.equal("external_id" in json, false);
    assert.match(await readFile(join(out, "devo-handoff.md"), "utf8"), /Self-hosted stack/);
    const config = validateConfig(parseYaml(await readFile(join(out, "worker-config.yaml"), "utf8")));
    assert.deepEqual(
      config.inputs.map((input) => [input.name, input.credentials]),
      [["cloudtrail", undefined]],
    );
  });

  test("missing outputs are each named", () => {
    const problems = problemsOf({ region: "eu-west-1" });
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems[0], /missing output role_arn/);
    assert.match(problems[1], /missing output external_id/);
    assert.match(problems[2], /missing queue outputs/);
  });

  test("cdktf without sensitive outputs: the error says which flag brings the ExternalId back", () => {
    const { external_id: _gone, ...rest } = goodFlat();
    const problems = problemsOf({
      stack: { ...rest, queues: undefined, queueUrls: { cloudtrail: QUEUES.cloudtrail.url } },
    });
    assert.deepEqual(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /missing output external_id.*--outputs-file-include-sensitive-outputs/);
  });

  test("malformed values name the output and the expectation", () => {
    const problems = problemsOf({
      region: "Europe",
      role_arn: "arn:aws:iam::1111:user/alice",
      external_id: "x",
      queues: {
        cloudtrail: { url: "https://example.com/not-a-queue" },
        waf: { url: QUEUES.cloudtrail.url, arn: "arn:aws:sqs:eu-west-1:111122223333:another-queue" },
        mainframe: { url: QUEUES.cloudtrail.url },
      },
    });
    const text = problems.join("\n");
    assert.match(text, /region: expected an AWS region/);
    assert.match(text, /role_arn: expected an IAM role ARN/);
    assert.match(text, /external_id: expected 2–1224 characters/);
    assert.doesNotMatch(text, /"x"/, "the ExternalId is not echoed");
    assert.match(text, /queues\.cloudtrail: expected an SQS queue URL/);
    assert.match(text, /queues\.waf: the queue ARN .* does not name the same queue/);
    assert.match(text, /queues\.mainframe: unknown technology 'mainframe'; known: cloudtrail/);
  });

  test("a file holding several cdktf stacks needs --stack", () => {
    const document = { prod: goodFlat(), staging: { ...goodFlat(), region: "us-east-1" } };
    // `region` etc. sit one level down, so this is read as a map of stacks.
    assert.match(
      problemsOf({ prod: { a: 1 }, staging: { b: 2 } })[0],
      /several stacks \(prod, staging\): choose one with --stack/,
    );
    assert.equal(buildHandoff(parseStackOutputs(document, "s.json", "staging"), "s.json").region, "us-east-1");
    assert.match(problemsOf(document, "qa")[0], /--stack qa: no such stack in the file; it has prod, staging/);
  });

  test("one name with two queues, or one queue under two names, is refused rather than silently dropped", () => {
    const twoQueues = problemsOf({
      ...goodFlat(),
      queue_urls: { cloudtrail: "https://sqs.eu-west-1.amazonaws.com/111122223333/other-trail-queue" },
    });
    assert.match(twoQueues.join("\n"), /queue_urls\.cloudtrail: a second queue named cloudtrail/);
    const twoNames = problemsOf({ ...goodFlat(), queue_urls: { trail: QUEUES.cloudtrail.url } });
    assert.match(twoNames.join("\n"), /queue_urls\.trail: .*acme-devo-cloudtrail is already listed as cloudtrail/);
  });

  test("the stack's account_id must be the role's account", () => {
    assert.match(
      problemsOf({ ...goodFlat(), account_id: "444455556666" }).join("\n"),
      /account_id: 444455556666 is not the account of role_arn/,
    );
  });

  test("the Devo region is a choice, never a default: without --devo-region (or --devo-address) nothing is written", async () => {
    const out = join(dir, "no-region");
    await assert.rejects(writeHandoff([terraformFixture, "--out-dir", out]), (error: Error) => {
      assert.equal(error.name, "UsageError");
      assert.match(error.message, /--devo-region is required: the region of your Devo domain \(us, eu, ca, ap\)/);
      return true;
    });
    assert.equal(existsSync(out), false);
  });

  test("relative paths are the caller's (npm's INIT_CWD), and a missing file is named by its absolute path", async () => {
    const callerDir = join(dir, "caller");
    await mkdir(callerDir, { recursive: true });
    await writeFile(join(callerDir, "outputs.json"), await readFile(terraformFixture));
    const run = await writeHandoff(["outputs.json", "--out-dir", "out", "--devo-region", "eu"], new Date(), callerDir);
    assert.equal(run.outDir, join(callerDir, "out"));
    await assert.rejects(
      writeHandoff(["missing.json", "--devo-region", "eu"], new Date(), callerDir),
      (error: Error) => {
        assert.ok(error.message.includes(join(callerDir, "missing.json")), error.message);
        assert.match(error.message, /ENOENT/);
        return true;
      },
    );
  });

  test("--help prints the usage and exits 0", async () => {
    const result = spawnSync(process.execPath, [resolve(root, "scripts/handoff.ts"), "--help"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^npm run handoff -- OUTPUTS\.json --devo-region R/);
  });

  test("the CLI exits 2 with the problems on stderr, and writes nothing", async () => {
    const bad = join(dir, "bad-outputs.json");
    await writeFile(bad, JSON.stringify({ role_arn: { value: ROLE, type: "string", sensitive: false } }));
    const out = join(dir, "cli-out");
    const result = await new Promise<{ code: number | null; stderr: string }>((resolvePromise, reject) => {
      const child = spawn(
        process.execPath,
        [resolve(root, "scripts/handoff.ts"), bad, "--out-dir", out, "--devo-region", "eu"],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("error", reject);
      child.on("exit", (code) => resolvePromise({ code, stderr }));
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /cannot build the hand-off from .*bad-outputs\.json/);
    assert.match(result.stderr, /missing output external_id/);
    assert.match(result.stderr, /missing queue outputs/);
    await assert.rejects(readFile(join(out, "devo-handoff.json")), { code: "ENOENT" });
  });

  test("not JSON, and an empty file of outputs, are reported as such", async () => {
    const notJson = join(dir, "not.json");
    await writeFile(notJson, "region = eu-west-1\n");
    await assert.rejects(writeHandoff([notJson, "--out-dir", dir, "--devo-region", "us"]), (error: Error) => {
      assert.ok(error instanceof HandoffError);
      assert.match(error.message, /not\.json[\s\S]*not valid JSON/);
      return true;
    });
    assert.match(problemsOf({})[0], /empty object: has the stack been deployed\?/);
  });

  test("the generated inputs drive a real run: the worker drains the stack's queue (emulated)", async () => {
    const aws = await startEmbeddedAws();
    try {
      const files = await uploadCloudTrailFiles(aws, 3, () => 25);
      for (const file of files) aws.announce([{ key: file.key, size: file.size }], "direct");
      const outputs = join(dir, "emulated-outputs.json");
      await writeFile(outputs, JSON.stringify(emulatedStackOutputs(aws.queueUrl)));
      const out = join(dir, "emulated");
      await writeHandoff([outputs, "--out-dir", out, "--devo-region", "us", "--state-dir", join(dir, "state")]);

      // Only what the emulator needs is changed: its endpoint and keys, and a file instead of Devo.
      const config = parseYaml(await readFile(join(out, "worker-config.yaml"), "utf8")) as {
        outputs: Record<string, unknown>;
        inputs: Record<string, Record<string, unknown>>;
        globals: Record<string, unknown>;
      };
      assert.deepEqual(Object.keys(config.inputs), ["trail"]);
      pointAtEmulator(config.inputs.trail, aws.endpoint);
      const eventsFile = join(dir, "emulated-events.jsonl");
      config.outputs = { file_1: { type: "file", config: { path: eventsFile } } };
      delete config.globals.metrics;
      const configFile = join(out, "emulated.yaml");
      await writeFile(configFile, stringify(config));

      const code = await new Promise<number | null>((resolvePromise, reject) => {
        const child = spawn(
          process.execPath,
          [resolve(root, "worker/main.ts"), "run", "--config", configFile, "--until-idle"],
          {
            stdio: ["ignore", "ignore", "inherit"],
            env: { ...process.env, LOG_LEVEL: "warn" },
          },
        );
        child.on("error", reject);
        child.on("exit", (exitCode) => resolvePromise(exitCode));
      });
      assert.equal(code, 0);
      const tags = (await readFile(eventsFile, "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { tag: string }).tag)
        .sort();
      assert.deepEqual(
        tags,
        files.flatMap((file) => file.records.map((record) => expectedCloudTrailTag(record))).sort(),
      );
    } finally {
      await aws.stop();
    }
  });

  test("the ECS fixture is what the stack with an ECS worker outputs today", async () => {
    const synth = synthesize(ecsWorkerScenario());
    const fixture = JSON.parse(await readFile(ecsFixture, "utf8")) as Record<string, { value: unknown }>;
    assert.deepEqual(Object.keys(fixture).sort(), Object.keys(synth.json.output).sort());
    for (const [name, output] of Object.entries(fixture)) assert.deepEqual(output.value, synth.output(name), name);
  });

  test("a stack with an ECS worker also gets worker-config.ecs.yaml: certificates from the task's variables", async () => {
    const out = join(dir, "ecs");
    const run = await writeHandoff([ecsFixture, "--out-dir", out, "--devo-region", "eu", "--state-dir", "/srv/x"]);
    assert.deepEqual(
      run.files.map((file) => file.slice(out.length + 1)).sort(),
      ["devo-handoff.json", "devo-handoff.md", ECS_CONFIG_FILE, "worker-config.yaml"].sort(),
    );
    const fixture = JSON.parse(await readFile(ecsFixture, "utf8")) as Record<string, { value: unknown }>;
    assert.deepEqual(run.ecs, {
      configFile: join(out, ECS_CONFIG_FILE),
      configLocation: fixture.worker_config_location.value,
      clusterName: fixture.worker_cluster_name.value,
      serviceName: fixture.worker_service_name.value,
    });

    const text = await readFile(join(out, ECS_CONFIG_FILE), "utf8");
    const document = parseYaml(text) as {
      outputs: { devo_1: { config: Record<string, unknown> } };
      inputs: Record<string, Record<string, unknown>>;
    };
    const ecs = validateConfig(document, ECS_CONFIG_FILE);
    const devo = document.outputs.devo_1.config;
    assert.deepEqual(
      { chain: devo.chain, cert: devo.cert, key: devo.key },
      {
        chain: `env:${WORKER_SECRET_ENV.chain}`,
        cert: `env:${WORKER_SECRET_ENV.cert}`,
        key: `env:${WORKER_SECRET_ENV.key}`,
      },
    );
    assert.equal(devo.address, "collector-eu.devo.io");
    // The task definition's volume and health-check port, not the --state-dir given for other workers.
    assert.deepEqual(ecs.globals.persistence, {
      type: "filesystem",
      config: { directory_name: "/var/lib/aws-devo-collector" },
    });
    assert.equal(ecs.globals.metrics?.port, 9464);
    for (const input of Object.values(document.inputs)) assert.equal("credentials" in input, false, "task role");
    assert.ok(ecs.inputs.length > 0);
    assert.match(text, /run --config-env DEVO_COLLECTOR_CONFIG/);
    assert.doesNotMatch(text, /certs\/|chain\.crt/);

    // The other file is unchanged: files in certs/, --state-dir as given.
    const files = validateConfig(parseYaml(await readFile(join(out, "worker-config.yaml"), "utf8")));
    const fileDevo = files.outputs.devo_1.config as Record<string, unknown>;
    assert.deepEqual([fileDevo.chain, fileDevo.cert, fileDevo.key], ["chain.crt", "domain.crt", "domain.key"]);
    assert.deepEqual(files.globals.persistence, { type: "filesystem", config: { directory_name: "/srv/x" } });
  });

  test("without worker outputs no ECS file is written, unless --ecs asks for one", async () => {
    const plain = await writeHandoff([terraformFixture, "--out-dir", join(dir, "no-ecs"), "--devo-region", "us"]);
    assert.equal(plain.ecs, undefined);
    await assert.rejects(readFile(join(dir, "no-ecs", ECS_CONFIG_FILE)), { code: "ENOENT" });
    const forced = await writeHandoff([
      terraformFixture,
      "--out-dir",
      join(dir, "forced-ecs"),
      "--devo-region",
      "us",
      "--ecs",
    ]);
    assert.equal(forced.ecs?.configLocation, undefined);
    const document = parseYaml(await readFile(join(dir, "forced-ecs", ECS_CONFIG_FILE), "utf8")) as {
      outputs: { devo_1: { config: { key: string } } };
    };
    assert.equal(document.outputs.devo_1.config.key, "env:DEVO_DOMAIN_KEY");
  });

  test("malformed worker outputs are named", () => {
    const problems = problemsOf({
      ...goodFlat(),
      worker_config_location: 42,
      worker_certificate_secrets: ["arn"],
    });
    assert.match(problems.join("\n"), /worker_config_location: expected a string, got 42/);
    assert.match(problems.join("\n"), /worker_certificate_secrets: expected an object with the chain, cert and key/);
  });

  test("the ECS configuration runs as the task runs it: the task's command, configuration and PEMs in variables only", async () => {
    const aws = await startEmbeddedAws();
    const certs = await makeTestCerts();
    const sink = await TlsSink.start({
      serverCert: certs.serverCert,
      serverKey: certs.serverKey,
      clientCa: certs.caCert,
    });
    try {
      const files = await uploadCloudTrailFiles(aws, 2, () => 20);
      for (const file of files) aws.announce([{ key: file.key, size: file.size }], "direct");
      const fixture = JSON.parse(await readFile(ecsFixture, "utf8")) as Record<string, unknown>;
      const outputs = join(dir, "ecs-emulated-outputs.json");
      await writeFile(
        outputs,
        JSON.stringify({
          ...Object.fromEntries(Object.entries(fixture).filter(([name]) => name.startsWith("worker_"))),
          ...emulatedStackOutputs(aws.queueUrl),
        }),
      );
      const out = join(dir, "ecs-emulated");
      await writeHandoff([outputs, "--out-dir", out, "--devo-address", "localhost"]);

      // Only what the emulators need changes: the AWS endpoint and keys, the receiver's port, a writable state
      // folder. The certificates stay env:DEVO_* exactly as generated.
      const config = parseYaml(await readFile(join(out, ECS_CONFIG_FILE), "utf8")) as {
        outputs: { devo_1: { config: Record<string, unknown> } };
        inputs: Record<string, Record<string, unknown>>;
        globals: { persistence: { config: { directory_name: string } } };
      };
      pointAtEmulator(config.inputs.trail, aws.endpoint);
      Object.assign(config.outputs.devo_1.config, { port: sink.port, settle_ms: 100 });
      config.globals.persistence.config.directory_name = join(dir, "ecs-state");

      const args = [...WORKER_COMMAND, "--until-idle"];
      args[args.indexOf("--metrics-port") + 1] = "0";
      const worker = startWorkerProcess(args, {
        [WORKER_SECRET_ENV.config]: stringify(config),
        [WORKER_SECRET_ENV.chain]: await readFile(certs.caCert, "utf8"),
        [WORKER_SECRET_ENV.cert]: await readFile(certs.clientCert, "utf8"),
        [WORKER_SECRET_ENV.key]: await readFile(certs.clientKey, "utf8"),
        LOG_LEVEL: "warn",
      });
      const { code } = await worker.exited;
      assert.equal(code, 0, worker.stderr());
      const expected = files.flatMap((file) => file.records.map((record) => expectedCloudTrailTag(record))).sort();
      const tags = sink.lines.map((line) => /^<14>\S+ \S+ \S+ (\S+): /.exec(line)?.[1]).sort();
      assert.deepEqual(tags, expected);
      assert.doesNotMatch(worker.stderr(), /BEGIN|PRIVATE/);
    } finally {
      await sink.close();
      await certs.remove();
      await aws.stop();
    }
  });
});
