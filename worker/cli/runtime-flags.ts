import { readFileSync } from "node:fs";
import process from "node:process";

/**
 * V8 settings the worker's memory bound depends on, whichever way it is started. V8 sizes the young generation
 * from the machine's memory (128 MB per semi-space on a 24 GB host), which let a worker streaming a 1 GB object
 * peak at 258 MB; capped at 16 MB the same run peaks near 140 MB (`npm run bench`, docs/performance.md). The
 * Dockerfile, the systemd unit and the ECS task pass them on the command line; a `run` started any other way
 * restarts itself with them ({@link applyRuntimeFlags}).
 */
export const RUNTIME_V8_FLAGS = ["--max-semi-space-size=16"] as const;

/**
 * Deno's V8 grows the old generation further than Node's on the same work: a 1 GB object peaked at 301 MB with
 * the young generation capped, 254 MB with old-generation growth steps of 20% as well, and no slower (`npm run
 * bench`, docs/performance.md). Node gains nothing from it (153 against 145 MB).
 */
export const DENO_V8_FLAGS = [...RUNTIME_V8_FLAGS, "--heap-growing-percent=20"] as const;

/**
 * Set in the environment of the restarted worker (so it never loops); set to anything (`off`) by a user, it keeps
 * the process as started, with V8's own sizing.
 */
export const RUNTIME_FLAGS_ENV = "AWS_DEVO_COLLECTOR_RUNTIME_FLAGS";

/** The flag's name without its value, as V8 reads it: `--max_semi_space_size` is `--max-semi-space-size`. */
function flagName(flag: string): string {
  return flag.split("=")[0].replaceAll("_", "-");
}

/**
 * The runtime flags (`wanted`) missing from `given` (command-line flags) and `fromEnv` (NODE_OPTIONS, or
 * DENO_V8_FLAGS with its commas), each looked up by name whatever its value: a user's own choice is kept.
 */
export function missingRuntimeFlags(
  given: readonly string[],
  fromEnv: string | undefined,
  wanted: readonly string[] = RUNTIME_V8_FLAGS,
): string[] {
  const names = new Set([...given, ...(fromEnv ?? "").split(/[\s,]+/)].filter((a) => a !== "").map(flagName));
  return wanted.filter((flag) => !names.has(flagName(flag)));
}

/** What a restart needs to know of the running process. */
export interface RuntimeProcess {
  runtime: "node" | "deno";
  execPath: string;
  /** Node: `execArgv`. Deno: the V8 flags of its command line (`--v8-flags=a,b`), which Deno does not expose. */
  flags: readonly string[];
  /** Node: `process.argv`. Deno: its whole command line (`deno run -A main.ts run …`), read from /proc. */
  argv: readonly string[];
  env: Record<string, string | undefined>;
  /** Whether this process can replace its own image (Node's `process.execve`; Deno: libc's `execve` over FFI). */
  canExec: boolean;
}

/** The flags `current` should run with and lacks, from its command line and its runtime's variable. */
function flagsMissingFrom(current: RuntimeProcess): string[] {
  return current.runtime === "node"
    ? missingRuntimeFlags(current.flags, current.env.NODE_OPTIONS, RUNTIME_V8_FLAGS)
    : missingRuntimeFlags(current.flags, current.env.DENO_V8_FLAGS, DENO_V8_FLAGS);
}

/**
 * What to execute instead of this process so that it runs with the runtime flags, or undefined when nothing needs
 * doing: the flags are there, the user turned this off (`AWS_DEVO_COLLECTOR_RUNTIME_FLAGS` set), this already is
 * the restarted process, or it cannot replace its own image. Node gets the flags on its command line, before the
 * script; Deno in `DENO_V8_FLAGS`, its command line unchanged.
 */
export function runtimeFlagsRestart(
  current: RuntimeProcess,
): { file: string; args: string[]; env: Record<string, string>; missing: string[] } | undefined {
  if (!current.canExec || current.env[RUNTIME_FLAGS_ENV] !== undefined) return undefined;
  const missing = flagsMissingFrom(current);
  if (missing.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(current.env)) if (value !== undefined) env[name] = value;
  env[RUNTIME_FLAGS_ENV] = "applied";
  if (current.runtime === "deno") {
    env.DENO_V8_FLAGS = [current.env.DENO_V8_FLAGS, ...missing].filter((f) => f !== undefined && f !== "").join(",");
    return { file: current.execPath, args: [...current.argv], env, missing };
  }
  return {
    file: current.execPath,
    args: [current.execPath, ...current.flags, ...missing, ...current.argv.slice(1)],
    env,
    missing,
  };
}

/** The parts of Deno's API used here (the worker is type-checked against Node's types only). */
interface DenoApi {
  execPath(): string;
  permissions: { querySync(descriptor: { name: "ffi" }): { state: string } };
  dlopen(
    path: string,
    symbols: { execve: { parameters: ["buffer", "buffer", "buffer"]; result: "i32" } },
  ): { symbols: { execve(file: Uint8Array, argv: Uint8Array, envp: Uint8Array): number }; close(): void };
  UnsafePointer: { of(buffer: Uint8Array): unknown; value(pointer: unknown): bigint };
}

function deno(): DenoApi | undefined {
  return (globalThis as { Deno?: DenoApi }).Deno;
}

/** Deno's command line as the kernel has it (Linux); empty elsewhere. */
function denoCommandLine(): string[] {
  try {
    return readFileSync("/proc/self/cmdline", "utf8").split("\0").slice(0, -1);
  } catch {
    return [];
  }
}

function currentProcess(): RuntimeProcess {
  const api = deno();
  if (api === undefined) {
    return {
      runtime: "node",
      execPath: process.execPath,
      flags: process.execArgv,
      argv: process.argv,
      env: process.env,
      canExec: typeof process.execve === "function",
    };
  }
  const commandLine = denoCommandLine();
  let ffi = false;
  try {
    // Never prompt: only a run already granted FFI (`-A`) restarts itself.
    ffi = api.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    // A runtime without the permissions API: no restart.
  }
  return {
    runtime: "deno",
    execPath: api.execPath(),
    flags: commandLine
      .filter((arg) => arg.startsWith("--v8-flags="))
      .flatMap((arg) => arg.slice("--v8-flags=".length).split(",")),
    argv: commandLine,
    env: process.env,
    canExec: ffi && commandLine.length > 0,
  };
}

/** The runtime flags this process runs without, for the start-up log. */
export function runtimeFlagsMissing(): string[] {
  return flagsMissingFrom(currentProcess());
}

/** Whether this process is the one a restart started (the start-up log says so). */
export function restartedWithRuntimeFlags(): boolean {
  return process.env[RUNTIME_FLAGS_ENV] === "applied";
}

/** NUL-terminated C strings and the NULL-terminated array of pointers to them that execve takes. */
function cStringArray(api: DenoApi, strings: readonly string[]): { keep: Uint8Array[]; array: Uint8Array } {
  const encoder = new TextEncoder();
  const keep = strings.map((s) => encoder.encode(`${s}\0`));
  const pointers = new BigUint64Array(strings.length + 1);
  keep.forEach((bytes, i) => {
    pointers[i] = api.UnsafePointer.value(api.UnsafePointer.of(bytes));
  });
  return { keep, array: new Uint8Array(pointers.buffer) };
}

/**
 * Deno has no `execve` of its own: libc's, over FFI. Returns only when it failed. Every string handed to it is
 * referenced until the call, which does not return on success.
 */
function denoExecve(api: DenoApi, file: string, args: string[], env: Record<string, string>): string {
  let libc: ReturnType<DenoApi["dlopen"]> | undefined;
  for (const name of ["libc.so.6", "libc.so"]) {
    try {
      libc = api.dlopen(name, { execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" } });
      break;
    } catch {
      // Another C library (musl) or no shared libc: tried next, or no restart.
    }
  }
  if (libc === undefined) return "no C library to call execve from";
  const argv = cStringArray(api, args);
  const envp = cStringArray(
    api,
    Object.entries(env).map(([name, value]) => `${name}=${value}`),
  );
  const path = new TextEncoder().encode(`${file}\0`);
  libc.symbols.execve(path, argv.array, envp.array);
  libc.close();
  return `execve failed (${argv.keep.length} arguments)`;
}

/**
 * Restarts this process with the runtime flags when it lacks them (see {@link runtimeFlagsRestart}), replacing it
 * in place: same PID, stdio and parent, so signals, supervisors and a SIGKILL reach the worker itself and nothing
 * is left behind. Returns only when no restart is needed, or when it failed (said on stderr: the worker then runs
 * as started).
 */
export function applyRuntimeFlags(stderr: { write(text: string): unknown } = process.stderr): void {
  const restart = runtimeFlagsRestart(currentProcess());
  if (restart === undefined) return;
  let problem: string;
  try {
    const api = deno();
    if (api !== undefined) problem = denoExecve(api, restart.file, restart.args, restart.env);
    else {
      process.execve?.(restart.file, restart.args, restart.env);
      problem = "process.execve returned";
    }
  } catch (error) {
    problem = (error as Error).message;
  }
  stderr.write(
    `aws-devo-collector: could not restart with ${restart.missing.join(" ")} (${problem}); ` +
      "running without them: memory on large objects may be higher\n",
  );
}
