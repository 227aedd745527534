import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../..");

export interface WorkerProcess {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `worker/main.ts` as its own process (the CLI a user runs), with the runtime running the tests; `unset`
 * names variables of the tests' environment the worker must not see.
 */
export function startWorkerProcess(
  args: string[],
  env: Record<string, string> = {},
  unset: readonly string[] = [],
): WorkerProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "info", ...env };
  for (const name of unset) delete childEnv[name];
  const child = spawn(process.execPath, [resolve(root, "worker/main.ts"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: childEnv,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) => {
    child.on("exit", (code, signal) => resolvePromise({ code, signal }));
  });
  return { child, stderr: () => stderr, exited };
}

/** Polls `check` every 50 ms until it is true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Ends a test's worker if it is still running (a failed assertion left it up), so the next test starts clean. */
export async function killIfRunning(worker: WorkerProcess | undefined): Promise<void> {
  if (worker === undefined || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill("SIGKILL");
  await worker.exited;
}
