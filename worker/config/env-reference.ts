import process from "node:process";

/**
 * `env:NAME` as a configuration value: the value itself is in environment variable NAME. ECS (and most container
 * platforms) hand secrets to a task as variables, never as files in a read-only task; this lets the worker take its
 * certificates, key and passphrase from there without a shell writing them to disk first.
 */
export const ENV_PREFIX = "env:";

/** POSIX-style names: what ECS, Docker and shells accept alike. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** The variable's name when `value` is an `env:NAME` reference; undefined for anything else (a file path). */
export function envReferenceName(value: string): string | undefined {
  return value.startsWith(ENV_PREFIX) ? value.slice(ENV_PREFIX.length) : undefined;
}

/**
 * The variable's value, or undefined when it is unset or holds only white space: an empty secret is a deployment
 * mistake (a secret created without a value), never a usable certificate or configuration.
 * `process.env` from node:process reads the same under Node and Deno (Deno needs --allow-env).
 */
export function readEnvVariable(
  name: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value;
}
