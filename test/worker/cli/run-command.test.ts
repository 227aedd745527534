import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { startEmbeddedAws, uploadCloudTrailFiles, workerConfigFor } from "../../../scripts/fixtures/demo-stack.ts";
import { RUN_USAGE, runRunCommand } from "../../../worker/cli/run-command.ts";
import { ConfigError, loadConfigFromEnv } from "../../../worker/config/load-config.ts";
import { startWorkerProcess } from "../../helpers/worker-process.ts";

/** Runs `run ARGS` in this process; returns the exit code and what it wrote. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runRunCommand(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** A configuration the worker accepts: a console output, and only a disabled input (nothing would reach AWS). */
const VALID_DOCUMENT = {
  globals: { name: "env-test" } as Record<string, unknown>,
  outputs: { console_1: { type: "console" } },
  inputs: {
    sqs_collector: {
      enabled: false,
      region: "eu-west-1",
      base_url: "https://sqs.eu-west-1.amazonaws.com/111122223333/q",
      services: { aws_sqs_cloudtrail: {} },
    },
  },
};
const VALID = stringify(VALID_DOCUMENT);

describe("run --config-env NAME", () => {
  const set: string[] = [];
  const setEnv = (name: string, value: string) => {
    process.env[name] = value;
    set.push(name);
  };
  after(() => {
    for (const name of set) delete process.env[name];
  });

  it("is in the usage text", () => {
    assert.match(RUN_USAGE, /--config-env NAME/);
  });

  it("reads and validates the YAML from the variable", () => {
    const config = loadConfigFromEnv("TEST_CONFIG", { TEST_CONFIG: VALID });
    assert.equal(config.globals.name, "env-test");
    assert.deepEqual(Object.keys(config.outputs), ["console_1"]);
  });

  it("refuses --config together with --config-env (exit 2)", async () => {
    const result = await run(["--config", "x.yaml", "--config-env", "TEST_CONFIG"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^--config and --config-env are mutually exclusive/);
  });

  it("asks for one of the two when neither is given (exit 2)", async () => {
    const result = await run(["--until-idle"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^missing --config FILE \(or --config-env NAME\)/);
  });

  it("names the variable when it is not set, or empty (exit 2)", async () => {
    delete process.env.TEST_RUN_UNSET_CONFIG;
    const unset = await run(["--config-env", "TEST_RUN_UNSET_CONFIG"]);
    assert.equal(unset.code, 2);
    assert.equal(
      unset.stderr,
      "invalid configuration in env:TEST_RUN_UNSET_CONFIG:\n" +
        "  - environment variable TEST_RUN_UNSET_CONFIG is not set: it must hold the configuration (YAML)\n",
    );
    setEnv("TEST_RUN_EMPTY_CONFIG", " \n");
    const empty = await run(["--config-env", "TEST_RUN_EMPTY_CONFIG"]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /env:TEST_RUN_EMPTY_CONFIG:\n {2}- environment variable TEST_RUN_EMPTY_CONFIG is empty/);
    const badName = await run(["--config-env", "1-BAD"]);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /env:1-BAD:\n {2}- '1-BAD' is not an environment variable name/);
  });

  it("reports invalid configuration with the exact config paths, naming env:NAME (exit 2)", async () => {
    setEnv(
      "TEST_RUN_BAD_CONFIG",
      stringify({
        globals: { concurrency: "many" },
        outputs: { devo_1: { type: "devo_platform", config: { address: "x", chain: "c", cert: "c", key: "env:" } } },
        inputs: {},
      }),
    );
    const result = await run(["--config-env", "TEST_RUN_BAD_CONFIG"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^invalid configuration in env:TEST_RUN_BAD_CONFIG:\n/);
    assert.match(result.stderr, /\n {2}- globals\.concurrency: /);
    assert.match(
      result.stderr,
      /\n {2}- outputs\.devo_1\.config\.key: `env:` must be followed by an environment variable name/,
    );
  });

  it("gives a YAML syntax error's position without quoting the variable's text (it is a secret)", async () => {
    setEnv("TEST_RUN_BROKEN_YAML", "globals:\n  name: a: b\n  aws_secret_access_key: hunter2-do-not-print\n");
    const result = await run(["--config-env", "TEST_RUN_BROKEN_YAML"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /env:TEST_RUN_BROKEN_YAML:\n {2}- not valid YAML: .* at line 2, column \d+\n$/);
    assert.doesNotMatch(result.stderr, /hunter2|name: a: b/);
  });

  it("says when nothing can run, naming env:NAME", async () => {
    setEnv("TEST_RUN_NO_INPUTS", VALID);
    const result = await run(["--config-env", "TEST_RUN_NO_INPUTS"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^invalid configuration in env:TEST_RUN_NO_INPUTS:\n {2}- no enabled input/);
  });
});

describe("the worker process with its configuration in a variable", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "config-env-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("drains the queue with --until-idle and exits 0, with no configuration file anywhere", async () => {
    const aws = await startEmbeddedAws();
    try {
      const files = await uploadCloudTrailFiles(aws, 2, () => 10);
      for (const file of files) aws.announce([{ key: file.key, size: file.size }], "direct");
      const eventsFile = join(dir, "events.jsonl");
      const config = workerConfigFor(aws, { file_1: { type: "file", config: { path: eventsFile } } });
      // A file of the same name with a wrong configuration: the variable, not a file, must be what is read.
      await writeFile(join(dir, "DEVO_COLLECTOR_CONFIG"), "not: [valid");
      const worker = startWorkerProcess(["run", "--config-env", "DEVO_COLLECTOR_CONFIG", "--until-idle"], {
        DEVO_COLLECTOR_CONFIG: stringify(config),
        LOG_LEVEL: "warn",
      });
      const { code } = await worker.exited;
      assert.equal(code, 0, worker.stderr());
      assert.ok(existsSync(eventsFile));
      const events = readFileSync(eventsFile, "utf8").split("\n").filter(Boolean);
      assert.equal(
        events.length,
        files.reduce((sum, file) => sum + file.records.length, 0),
      );
    } finally {
      await aws.stop();
    }
  });

  it("exits 2 with the problem on stderr when the variable is missing", async () => {
    const worker = startWorkerProcess(["run", "--config-env", "DEVO_COLLECTOR_CONFIG"], { LOG_LEVEL: "warn" });
    const { code } = await worker.exited;
    assert.equal(code, 2);
    assert.match(
      worker.stderr(),
      /env:DEVO_COLLECTOR_CONFIG:\n {2}- environment variable DEVO_COLLECTOR_CONFIG is not set/,
    );
  });
});

// ConfigError is what run turns into exit 2: loadConfigFromEnv must throw it, not a plain Error.
it("loadConfigFromEnv throws ConfigError", () => {
  assert.throws(() => loadConfigFromEnv("TEST_ABSENT", {}), ConfigError);
});

describe("run with a persistence directory that cannot hold cursors", () => {
  it("refuses to start (exit 2), naming the key and the directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "state-check-"));
    try {
      // A directory path under a regular file: not creatable, whoever runs the test (root included).
      const blocker = join(dir, "a-file");
      await writeFile(blocker, "");
      const config = join(dir, "config.yaml");
      const document = structuredClone(VALID_DOCUMENT);
      document.globals.persistence = { type: "filesystem", config: { directory_name: join(blocker, "state") } };
      await writeFile(config, stringify(document));
      const result = await run(["--config", config]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /globals\.persistence\.config\.directory_name: .*a-file\/state cannot hold the API services' cursors \(ENOTDIR\)/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("run's command line", () => {
  it("refuses a --metrics-port that is not a port number (exit 2, usage)", async () => {
    for (const port of ["abc", "70000", "8080x"]) {
      const result = await run(["--config", "x.yaml", "--metrics-port", port]);
      assert.equal(result.code, 2, port);
      assert.match(result.stderr, new RegExp(`^--metrics-port: expected a port number \\(0-65535\\), got '${port}'`));
    }
  });
});
