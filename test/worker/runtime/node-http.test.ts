import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { http, UNDICI_BACKED_HTTP_EXPORTS } from "../../../worker/runtime/node-http.ts";

const root = resolve(fileURLToPath(import.meta.url), "../../../..");
const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;

test("node-http: the same module as node:http", async () => {
  const imported = await import("node:http");
  assert.equal(http, imported.default);
  assert.equal(http.createServer, imported.createServer);
});

test("node-http: the exports it keeps out of the bundle are Node's undici-backed ones", {
  skip: isDeno && "Deno's node:http has none",
}, async () => {
  const imported = await import("node:http");
  for (const name of UNDICI_BACKED_HTTP_EXPORTS) {
    assert.ok(name in imported, `node:http exports ${name}`);
    assert.equal(typeof Object.getOwnPropertyDescriptor(http, name)?.get, "function", `${name} is a lazy getter`);
  }
});

test("the run command's modules load no undici (Node's fetch) at start-up", {
  skip: isDeno && "Node's module list",
}, () => {
  // A fresh process: this one has imported node:http as an ES module above. Without worker/runtime/node-http.ts,
  // any of the HTTP users on the run path (SQS/S3 wire clients, the metrics server) would load it.
  const script = `await import(${JSON.stringify(pathToFileURL(resolve(root, "worker/cli/run-command.ts")).href)});
    process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.includes("undici") || m.endsWith(" http"))));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  const loaded = JSON.parse(result.stdout) as string[];
  assert.ok(loaded.includes("NativeModule http"), `node:http is loaded (${loaded.join(", ")})`);
  assert.deepEqual(
    loaded.filter((m) => m.includes("undici")),
    [],
  );
});
