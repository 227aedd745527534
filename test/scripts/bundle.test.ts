import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { buildBundle, RUNTIME_NODE_ARGS } from "../../scripts/build.ts";
import { expectedCloudTrailTag } from "../../scripts/fixtures/cloudtrail-generator.ts";
import { DEMO, startEmbeddedAws, uploadCloudTrailFiles, workerConfigFor } from "../../scripts/fixtures/demo-stack.ts";
import { DENO_V8_FLAGS } from "../../worker/cli/runtime-flags.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../..");
const deno = resolve(root, "node_modules/.bin/deno");

/** As deployed: Node with the runtime flags; Deno takes its V8 flags on its command line. */
const RUNTIMES = [
  { name: "Node", command: [process.execPath, ...RUNTIME_NODE_ARGS] },
  { name: "Deno", command: [deno, "run", "-A", `--v8-flags=${DENO_V8_FLAGS.join(",")}`] },
];

/** Runs the bundle as a user would and collects its exit code and stderr (the logs). */
function runBundle(
  runtime: string[],
  bundle: string,
  args: string[],
): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    // The bundle must not lean on the project: run it from an empty folder, outside node_modules' reach.
    const child = spawn(runtime[0], [...runtime.slice(1), bundle, ...args], {
      cwd: tmpdir(),
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, LOG_LEVEL: "info", NO_COLOR: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stderr, ms: performance.now() - started });
    });
  });
}

describe("dist/aws-devo-collector.mjs", () => {
  let dir: string;
  let bundle: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bundle-test-"));
    // Build into the test's own folder: a test must not replace the dist/ a developer is about to ship.
    bundle = join(dir, "aws-devo-collector.mjs");
    const built = await buildBundle(bundle);
    assert.ok(built.bytes > 100_000, `bundle is suspiciously small: ${built.bytes} bytes`);
    // The AGPL IAM simulator is test-only; the worker's own dependencies are in, each with its licence text.
    const names = built.packages.map((p) => p.name);
    assert.ok(!names.some((name) => name.startsWith("@cloud-copilot/")), names.join(", "));
    for (const name of ["pino", "zod", "yaml", "@aws-sdk/client-cloudtrail", "@aws-sdk/credential-providers"])
      assert.ok(names.includes(name), `${name} is bundled`);
    const licences = await readFile(built.licensesPath, "utf8");
    for (const p of built.packages) assert.ok(licences.includes(`${p.name}@${p.version} — ${p.license}`), p.name);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("starts with the CommonJS shim and has no import of a bare package", async () => {
    const text = await readFile(bundle, "utf8");
    assert.match(text.slice(0, 400), /createRequire as __bundleCreateRequire/);
    // Only node: built-ins may stay external; a bare specifier would need node_modules beside the bundle.
    const bare = [...text.matchAll(/^import\s.*?from\s+"([^"]+)"/gm)]
      .map((m) => m[1])
      .filter((s) => !s.startsWith("node:"));
    assert.deepEqual(bare, []);
  });

  test("has zod/mini with its English messages only: no classic zod, no other language", async () => {
    // worker/runtime/zod.ts: classic zod's code stays in the heap for as long as the worker runs (about 1.8 MB), and
    // `z.locales` would bring every language's messages (0.3 MB of bundle).
    const { sources } = JSON.parse(await readFile(`${bundle}.map`, "utf8")) as { sources: string[] };
    const zod = sources.filter((source) => source.includes("node_modules/zod/"));
    const classic = zod.filter((source) => source.includes("zod/v4/classic"));
    const otherLanguages = zod.filter((source) => /zod\/v4\/locales\/(?!en\.js$|index\.js$)/.test(source));
    assert.ok(zod.some((source) => source.includes("zod/v4/mini/")));
    assert.deepEqual(classic, []);
    assert.deepEqual(otherLanguages, []);
  });

  test("declares the scanner's numbers as const, and its source map still points at the source", async () => {
    // scripts/bundle-constants.ts: esbuild's `var`s cost the JSON scanner 13% more instructions.
    const text = await readFile(bundle, "utf8");
    const constants = text.split("\n").find((line) => line.startsWith("const ") && line.includes("QUOTE=34")) ?? "";
    for (const name of ["QUOTE=34", "MODE_CONTAINER=2", "V_KEY_OR_CLOSE=3"]) assert.ok(constants.includes(name), name);
    const map = new SourceMap(JSON.parse(await readFile(`${bundle}.map`, "utf8")));
    for (const [needle, source] of [
      ["function compactJson(", "export function compactJson("],
      ["function formatJsonLine(", "export function formatJsonLine("],
    ]) {
      const at = text.indexOf(needle);
      const line = text.slice(0, at).split("\n").length - 1;
      const entry = map.findEntry(line, at - (text.lastIndexOf("\n", at - 1) + 1));
      assert.ok("originalSource" in entry, needle);
      const sourceFile = fileURLToPath(new URL(entry.originalSource, pathToFileURL(bundle)));
      const original = (await readFile(sourceFile, "utf8")).split("\n")[entry.originalLine];
      assert.ok(original.includes(source), `${needle} maps to: ${original}`);
    }
  });

  test("is ASCII: V8 holds it as one-byte text", async () => {
    const text = await readFile(bundle, "utf8");
    assert.equal(text.search(/[^\x00-\x7f]/), -1, "a non-ASCII character in the bundle");
  });

  for (const runtime of RUNTIMES) {
    test(`under ${runtime.name}: run --until-idle delivers every CloudTrail record and deletes every message`, async () => {
      const aws = await startEmbeddedAws();
      try {
        const files = await uploadCloudTrailFiles(aws, 6, (index) => 40 + index * 7, runtime.name.length);
        aws.sendTestEvent();
        for (const [index, file] of files.entries())
          aws.announce([{ key: file.key, size: file.size }], index % 2 === 0 ? "direct" : "sns");
        const eventsFile = join(dir, `events-${runtime.name}.jsonl`);
        const configFile = join(dir, `collector-${runtime.name}.yaml`);
        await writeFile(
          configFile,
          stringify(workerConfigFor(aws, { file_1: { type: "file", config: { path: eventsFile, format: "jsonl" } } })),
        );

        // Under Node, the modules the run loaded are written at exit: never undici (Node's fetch, which node:http's
        // ES module namespace would load; worker/runtime/node-http.ts).
        const probe = `process.on("exit", () => process.stderr.write("\\nloaded:" + JSON.stringify(process.moduleLoadList)));`;
        const command =
          runtime.name === "Node"
            ? [...runtime.command, `--import=data:text/javascript,${encodeURIComponent(probe)}`]
            : runtime.command;
        const result = await runBundle(command, bundle, ["run", "--config", configFile, "--until-idle"]);
        process.stdout.write(`# ${runtime.name}: bundle run took ${Math.round(result.ms)} ms\n`);
        assert.equal(result.code, 0, `the bundle exited with ${result.code} under ${runtime.name}:\n${result.stderr}`);
        // pino writes through a synchronous destination: the logs must be there, not lost to a worker thread.
        assert.match(result.stderr, /"msg":"collector started"/);
        if (runtime.name === "Node") {
          const loaded = JSON.parse(result.stderr.slice(result.stderr.lastIndexOf("\nloaded:") + 8)) as string[];
          assert.ok(loaded.includes("NativeModule http"), "the run used node:http");
          assert.deepEqual(
            loaded.filter((m) => m.includes("undici")),
            [],
          );
        }

        const delivered = (await readFile(eventsFile, "utf8"))
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { tag: string; message: string });
        const expected = files.flatMap((file) => file.records.map((record) => expectedCloudTrailTag(record))).sort();
        assert.deepEqual(delivered.map((event) => event.tag).sort(), expected);
        const eventIds = new Set(delivered.map((event) => (JSON.parse(event.message) as { eventID: string }).eventID));
        assert.equal(eventIds.size, expected.length, "every record exactly once");
        const queue = aws.server.inspectQueue(DEMO.queue)?.messages;
        assert.equal((queue?.ready.length ?? 0) + (queue?.inflight.length ?? 0), 0, "messages left on the queue");
      } finally {
        await aws.stop();
      }
    });
  }

  // A distribution's own Node (systemd units often use it) is older: the bundle must say so, not exit 0 silently.
  test("under a Node.js older than 24: says which version it needs and exits 1", async (t) => {
    const older = ["/usr/bin/node", "/usr/local/bin/node"].find((path) => {
      const found = spawnSync(path, ["-p", "process.versions.node"], { encoding: "utf8" });
      return found.status === 0 && Number(found.stdout.split(".")[0]) < 24;
    });
    if (older === undefined) {
      t.skip("no Node.js older than 24 on this machine (/usr/bin/node, /usr/local/bin/node)");
      return;
    }
    const result = await runBundle([older], bundle, ["run", "--config", "/nonexistent.yaml"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^aws-devo-collector requires Node\.js >= 24 \(found v\d+\.\d+\.\d+\)\n$/);
  });

  for (const runtime of RUNTIMES) {
    test(`under ${runtime.name}: the Dockerfile's HEALTHCHECK command passes against the running bundle, which stops cleanly on SIGTERM`, async () => {
      const dockerfile = await readFile(resolve(root, "Dockerfile"), "utf8");
      const probe = /^HEALTHCHECK .*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile);
      assert.ok(probe !== null, "the Dockerfile has a HEALTHCHECK CMD in exec form");
      const [probeCommand, ...probeArgs] = JSON.parse(probe[1]) as string[];
      assert.equal(probeCommand, "node");
      assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m);

      const aws = await startEmbeddedAws();
      const configFile = join(dir, `collector-health-${runtime.name}.yaml`);
      await writeFile(
        configFile,
        stringify(
          workerConfigFor(aws, { out: { type: "file", config: { path: join(dir, `health-${runtime.name}.jsonl`) } } }),
        ),
      );
      const child = spawn(
        runtime.command[0],
        [...runtime.command.slice(1), bundle, "run", "--config", configFile, "--metrics-port", "0"],
        {
          cwd: tmpdir(),
          stdio: ["ignore", "ignore", "pipe"],
          env: { ...process.env, LOG_LEVEL: "info" },
        },
      );
      const exited = new Promise<number | null>((resolvePromise) => child.on("exit", (code) => resolvePromise(code)));
      try {
        let stderr = "";
        const port = await new Promise<number>((resolvePromise, reject) => {
          const timer = setTimeout(() => reject(new Error(`no metrics port announced:\n${stderr}`)), 15_000);
          child.stderr.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
            const line = stderr.split("\n").find((l) => l.includes("serving /metrics and /healthz"));
            if (line !== undefined) {
              clearTimeout(timer);
              resolvePromise((JSON.parse(line) as { port: number }).port);
            }
          });
        });
        // The probe exactly as the image runs it, aimed at the port this run picked instead of 9464.
        const args = probeArgs.map((arg) => arg.replace("127.0.0.1:9464", `127.0.0.1:${port}`));
        const healthy = await new Promise<number | null>((resolvePromise) =>
          spawn(process.execPath, args, { stdio: "ignore" }).on("exit", (code) => resolvePromise(code)),
        );
        assert.equal(healthy, 0, "HEALTHCHECK reports healthy");
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
        assert.equal(metrics.status, 200);
        assert.match(await metrics.text(), /^devo_collector_read_ahead_bytes 0$/m);

        const stopping = performance.now();
        child.kill("SIGTERM");
        assert.equal(await exited, 0, `exit code after SIGTERM:\n${stderr}`);
        process.stdout.write(`# ${runtime.name}: SIGTERM to exit: ${Math.round(performance.now() - stopping)} ms\n`);
        const afterStop = await new Promise<number | null>((resolvePromise) =>
          spawn(process.execPath, args, { stdio: "ignore" }).on("exit", (code) => resolvePromise(code)),
        );
        assert.equal(afterStop, 1, "HEALTHCHECK reports unhealthy once the worker is gone");
      } finally {
        child.kill("SIGKILL");
        await aws.stop();
      }
    });
  }
});

describe("runtime flags of the deployment files", () => {
  test("the Dockerfile's ENTRYPOINT and the systemd unit start the bundle with RUNTIME_NODE_ARGS", async () => {
    const dockerfile = await readFile(resolve(root, "Dockerfile"), "utf8");
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    assert.ok(entrypoint, "the Dockerfile has an ENTRYPOINT in exec form");
    assert.deepEqual(JSON.parse(entrypoint[1]), [
      "node",
      ...RUNTIME_NODE_ARGS,
      "/opt/aws-devo-collector/aws-devo-collector.mjs",
    ]);
    const unit = await readFile(resolve(root, "deploy/aws-devo-collector.service"), "utf8");
    const execStart = /^ExecStart=(.*)$/m.exec(unit);
    assert.ok(execStart, "the unit has an ExecStart");
    assert.deepEqual(execStart[1].split(" ").slice(0, 2 + RUNTIME_NODE_ARGS.length), [
      "/usr/local/bin/node",
      ...RUNTIME_NODE_ARGS,
      "/opt/aws-devo-collector/aws-devo-collector.mjs",
    ]);
  });
});
