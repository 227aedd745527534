import assert from "node:assert/strict";
import process from "node:process";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { type EmbeddedAws, startEmbeddedAws, workerConfigFor } from "../../../scripts/fixtures/demo-stack.ts";
import {
  DENO_V8_FLAGS,
  missingRuntimeFlags,
  RUNTIME_FLAGS_ENV,
  RUNTIME_V8_FLAGS,
  type RuntimeProcess,
  runtimeFlagsRestart,
} from "../../../worker/cli/runtime-flags.ts";
import { killIfRunning, startWorkerProcess, waitFor } from "../../helpers/worker-process.ts";

const node: RuntimeProcess = {
  runtime: "node",
  execPath: "/usr/bin/node",
  flags: ["--enable-source-maps"],
  argv: ["/usr/bin/node", "/opt/app/worker/main.ts", "run", "--config", "c.yaml"],
  env: { HOME: "/home/u", NODE_OPTIONS: undefined },
  canExec: true,
};

/** The demo stack's configuration, with short polls: a SIGTERM ends the run in about a second. */
function quickToStop(aws: EmbeddedAws): string {
  const config = workerConfigFor(aws, { console_1: { type: "console" } }, { sqs_wait_timeout: 1 });
  config.globals.shutdown_grace_seconds = 2;
  return stringify(config);
}

describe("the worker's own runtime flags", () => {
  it("finds a flag missing unless the command line or NODE_OPTIONS sets it, with any value or spelling", () => {
    assert.deepEqual(missingRuntimeFlags([], undefined), [...RUNTIME_V8_FLAGS]);
    assert.deepEqual(missingRuntimeFlags(["--max-semi-space-size=16"], undefined), []);
    // The user's own value is kept, whether on the command line or in NODE_OPTIONS, dashes or underscores.
    assert.deepEqual(missingRuntimeFlags(["--max-semi-space-size=64"], undefined), []);
    assert.deepEqual(missingRuntimeFlags([], "--trace-gc  --max_semi_space_size=4"), []);
    assert.deepEqual(missingRuntimeFlags(["--max-old-space-size=512"], "--inspect"), [...RUNTIME_V8_FLAGS]);
  });

  it("re-executes the same program with the flags before the script, its arguments and environment unchanged", () => {
    const restart = runtimeFlagsRestart(node);
    assert.deepEqual(restart, {
      file: "/usr/bin/node",
      args: [
        "/usr/bin/node",
        "--enable-source-maps",
        ...RUNTIME_V8_FLAGS,
        "/opt/app/worker/main.ts",
        "run",
        "--config",
        "c.yaml",
      ],
      env: { HOME: "/home/u", [RUNTIME_FLAGS_ENV]: "applied" },
      missing: [...RUNTIME_V8_FLAGS],
    });
  });

  it("restarts Deno with its own command line, the flags added to DENO_V8_FLAGS", () => {
    const deno: RuntimeProcess = {
      runtime: "deno",
      execPath: "/usr/bin/deno",
      flags: [],
      argv: ["/usr/bin/deno", "run", "-A", "--no-check", "/opt/app/worker/main.ts", "run", "--config", "c.yaml"],
      env: { DENO_V8_FLAGS: "--trace-gc" },
      canExec: true,
    };
    assert.deepEqual(runtimeFlagsRestart(deno), {
      file: "/usr/bin/deno",
      args: deno.argv,
      env: { DENO_V8_FLAGS: `--trace-gc,${DENO_V8_FLAGS.join(",")}`, [RUNTIME_FLAGS_ENV]: "applied" },
      missing: [...DENO_V8_FLAGS],
    });
    // Deno's --v8-flags on its command line count as given, whatever their values.
    assert.equal(
      runtimeFlagsRestart({ ...deno, flags: ["--max-semi-space-size=8", "--heap-growing-percent=50"] }),
      undefined,
    );
    assert.equal(
      runtimeFlagsRestart({ ...deno, env: { DENO_V8_FLAGS: "--max-semi-space-size=8,--heap-growing-percent=50" } }),
      undefined,
    );
    // Only what is missing is added.
    assert.deepEqual(runtimeFlagsRestart({ ...deno, flags: ["--max-semi-space-size=8"] })?.missing, [
      "--heap-growing-percent=20",
    ]);
  });

  it("does nothing when the flags are there, when turned off, once restarted, or where the runtime cannot exec", () => {
    assert.equal(runtimeFlagsRestart({ ...node, flags: [...RUNTIME_V8_FLAGS] }), undefined);
    assert.equal(runtimeFlagsRestart({ ...node, env: { [RUNTIME_FLAGS_ENV]: "off" } }), undefined);
    assert.equal(runtimeFlagsRestart({ ...node, env: { [RUNTIME_FLAGS_ENV]: "applied" } }), undefined);
    assert.equal(runtimeFlagsRestart({ ...node, canExec: false }), undefined);
  });

  it("a run started without the flags runs with them, in the same process, under Node and Deno", async () => {
    const aws = await startEmbeddedAws();
    const env: Record<string, string> = {
      DEVO_COLLECTOR_CONFIG: quickToStop(aws),
    };
    const worker = startWorkerProcess(["run", "--config-env", "DEVO_COLLECTOR_CONFIG"], env, [RUNTIME_FLAGS_ENV]);
    try {
      await waitFor(() => worker.stderr().includes("collector started"), 20_000, "the worker to start");
      const started = JSON.parse(
        worker
          .stderr()
          .split("\n")
          .find((line) => line.includes("collector started")) ?? "{}",
      ) as { pid?: number; runtime?: { restarted: boolean; missingFlags: string[] } };
      assert.deepEqual(started.runtime, { restarted: true, missingFlags: [] }, worker.stderr());
      assert.equal(started.pid, worker.child.pid, "the restart replaced the process: same PID");
      assert.doesNotMatch(worker.stderr(), /could not restart|running without/);
      process.kill(worker.child.pid ?? 0, "SIGTERM");
      assert.equal((await worker.exited).code, 0, worker.stderr());
    } finally {
      await killIfRunning(worker);
      await aws.stop();
    }
  });

  it("turned off, the run stays as started and says what it runs without", async () => {
    const aws = await startEmbeddedAws();
    const env: Record<string, string> = {
      DEVO_COLLECTOR_CONFIG: quickToStop(aws),
      [RUNTIME_FLAGS_ENV]: "off",
    };
    const worker = startWorkerProcess(["run", "--config-env", "DEVO_COLLECTOR_CONFIG"], env);
    try {
      await waitFor(() => worker.stderr().includes("running without"), 20_000, "the warning");
      assert.match(worker.stderr(), /"missingFlags":\["--max-semi-space-size=16"/);
      process.kill(worker.child.pid ?? 0, "SIGTERM");
      assert.equal((await worker.exited).code, 0, worker.stderr());
    } finally {
      await killIfRunning(worker);
      await aws.stop();
    }
  });
});
