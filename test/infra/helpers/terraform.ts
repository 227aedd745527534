import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/**
 * Terraform itself, offline: the CLI on PATH and a filesystem mirror of the `hashicorp/aws` provider (the CI machine
 * image carries both; nothing is downloaded). Each stack folder gets an override file that keeps the synthesized
 * configuration as it is except for what an offline plan cannot have: fake credentials, the provider's `skip_*`
 * settings, no `allowed_account_ids` (the account cannot be asked) and a local state file in the folder.
 */

export interface TerraformTools {
  version: string;
  /** The folder holding `registry.terraform.io/hashicorp/aws/<version>/`. */
  mirror: string;
  /** Provider versions in the mirror. */
  providerVersions: string[];
}

/** Folders searched for `registry.terraform.io` up to three levels below `/`, like `find / -maxdepth 3`. */
function findMirror(): string | undefined {
  const fromEnv = process.env.TF_PROVIDER_MIRROR;
  if (fromEnv !== undefined) return existsSync(join(fromEnv, "registry.terraform.io")) ? fromEnv : undefined;
  const skip = new Set(["proc", "sys", "dev", "run", "tmp"]);
  const list = (dir: string) => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !skip.has(e.name));
    } catch {
      return [];
    }
  };
  for (const first of list("/")) {
    const level1 = join("/", first.name);
    if (existsSync(join(level1, "registry.terraform.io/hashicorp/aws"))) return level1;
    for (const second of list(level1)) {
      const level2 = join(level1, second.name);
      if (existsSync(join(level2, "registry.terraform.io/hashicorp/aws"))) return level2;
    }
  }
  return undefined;
}

/** The CLI and the mirror, or the reason the Terraform tests cannot run here. */
export function findTerraform(): TerraformTools | string {
  const cli = spawnSync("terraform", ["version", "-json"], { encoding: "utf8" });
  if (cli.status !== 0 || cli.error !== undefined) return "the terraform CLI is not on PATH";
  const mirror = findMirror();
  if (mirror === undefined) {
    return "no filesystem mirror of hashicorp/aws (registry.terraform.io/hashicorp/aws) found up to 3 levels below / nor in TF_PROVIDER_MIRROR";
  }
  const providerVersions = readdirSync(join(mirror, "registry.terraform.io/hashicorp/aws"));
  return { version: JSON.parse(cli.stdout).terraform_version, mirror, providerVersions };
}

/** Writes the CLI configuration that installs `hashicorp/aws` from the mirror only, and returns the environment. */
export function offlineEnvironment(tools: TerraformTools, work: string): NodeJS.ProcessEnv {
  const cliConfig = join(work, "terraform.rc");
  writeFileSync(
    cliConfig,
    [
      // Without a lock file in each stack, Terraform >= 1.4 does not trust a cached provider and installs it into the
      // shared cache again: concurrent inits then race on the same directory ("mkdir …/linux_amd64: file exists").
      // With this, every init after the first links the cached copy and nothing writes to the cache concurrently.
      "plugin_cache_may_break_dependency_lock_file = true",
      "",
      "provider_installation {",
      "  filesystem_mirror {",
      `    path    = ${JSON.stringify(tools.mirror)}`,
      '    include = ["registry.terraform.io/hashicorp/aws"]',
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  const pluginCache = join(work, "plugin-cache");
  mkdirSync(pluginCache, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  // Nothing of the caller's AWS or Terraform settings leaks into the runs.
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("AWS_") && !name.startsWith("TF_")) env[name] = value;
  }
  return {
    ...env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_PLUGIN_CACHE_DIR: pluginCache,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "offline-plan-only",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** The override file that makes a synthesized stack plannable offline, nothing else changed. */
export function writeOfflineOverride(stackDirectory: string): void {
  writeFileSync(
    join(stackDirectory, "offline_override.tf.json"),
    `${JSON.stringify(
      {
        terraform: { backend: { local: { path: "offline.tfstate" } } },
        provider: {
          aws: {
            allowed_account_ids: null,
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "offline-plan-only",
            skip_credentials_validation: true,
            skip_requesting_account_id: true,
            skip_metadata_api_check: true,
            max_retries: 1,
          },
        },
      },
      null,
      2,
    )}\n`,
  );
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile("terraform", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

/** A diagnostic of `terraform validate -json` or of a `-json` UI stream. */
export interface Diagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string;
  address?: string;
}

/** Reads `terraform plan -json`'s message stream: its diagnostics and the change summary. */
export function readPlanStream(stdout: string): {
  diagnostics: Diagnostic[];
  changes?: { add: number; change: number; remove: number; import: number };
} {
  const diagnostics: Diagnostic[] = [];
  let changes: { add: number; change: number; remove: number; import: number } | undefined;
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const message = JSON.parse(line);
    if (message.type === "diagnostic") diagnostics.push(message.diagnostic);
    if (message.type === "change_summary") changes = message.changes;
  }
  return { diagnostics, changes };
}

/** Runs `tasks` with at most `limit` at a time, results in input order. */
export async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
