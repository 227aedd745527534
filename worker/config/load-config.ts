import { readFile } from "node:fs/promises";
import process from "node:process";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type * as z from "../runtime/zod.ts";
import { findService, SERVICES } from "../services/catalog.ts";
import type { InputType, ServiceDefinition, ServiceOptions } from "../services/service-definition.ts";
import { configSchema, type GlobalsConfig, type InputConfig, type RawConfig } from "./config-schema.ts";
import { ENV_PREFIX, isEnvName, readEnvVariable } from "./env-reference.ts";
import { nearestKey, schemaKeys } from "./suggest-key.ts";

/** A configuration that cannot run, with every problem found, each naming its exact place in the file. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid configuration in ${source}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export interface ConfiguredService {
  definition: ServiceDefinition;
  options: ServiceOptions;
}

export interface ConfiguredInput extends Omit<InputConfig, "services"> {
  /** The input's key in `inputs`. */
  name: string;
  type: InputType;
  services: ConfiguredService[];
}

export interface Config {
  globals: GlobalsConfig;
  outputs: RawConfig["outputs"];
  inputs: ConfiguredInput[];
}

/** `inputs.aws.services.audit-events-all.start_time` from zod's path array. */
function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/** Every key any part of the configuration accepts, for "did you mean" hints. */
let knownKeys: Set<string> | undefined;
function vocabulary(): Set<string> {
  knownKeys ??= schemaKeys([configSchema, ...SERVICES.map((service) => service.options)]);
  return knownKeys;
}

/**
 * The value at `path` in a parsed document, or undefined where there is none. zod's issues carry the offending input
 * only when asked to (and then for every issue, secrets included), so a missing key is told from a wrong type here.
 */
function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let value = document;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** One line of a {@link ConfigError}: where (`prefix` + the issue's path, within `document`) and what is wrong. */
function describeIssue(issue: z.core.$ZodIssue, document: unknown, prefix: readonly PropertyKey[] = []): string {
  const path = dotted([...prefix, ...issue.path]);
  const where = path === "" ? "top level" : path;
  if (issue.code === "unrecognized_keys") {
    const named = issue.keys.map((key) => {
      const near = nearestKey(key, vocabulary());
      return near === undefined ? `'${key}'` : `'${key}' (did you mean '${near}'?)`;
    });
    return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${named.join(", ")}`;
  }
  if (issue.code === "invalid_type" && valueAt(document, issue.path) === undefined) {
    return `${where}: required, and missing`;
  }
  // zod says "expected int, received number" of 2.5: true, and puzzling to someone who wrote a number.
  if (issue.code === "invalid_type" && issue.expected === "int") return `${where}: expected a whole number`;
  if (issue.code === "invalid_union") {
    // A choice between forms (a processor name, or {type, config}): name the values the first form accepts.
    const values = issue.errors
      .flat()
      .flatMap((inner) => (inner.code === "invalid_value" ? inner.values.map(String) : []));
    if (values.length > 0) return `${where}: expected one of ${values.join(", ")}`;
  }
  return `${where}: ${issue.message}`;
}

function inputTypeOf(name: string, input: InputConfig): InputType | undefined {
  if (input.type !== undefined) return input.type;
  if (name === "sqs_collector" || name === "aws") return name;
  return undefined;
}

/** Validates an already parsed document. `source` names it in errors (a file path, or `<inline>`). */
export function validateConfig(document: unknown, source = "<inline>"): Config {
  const root = document ?? {};
  const parsed = configSchema.safeParse(root);
  if (!parsed.success)
    throw new ConfigError(
      source,
      parsed.error.issues.map((issue) => describeIssue(issue, root)),
    );
  const problems: string[] = [];
  const inputs: ConfiguredInput[] = [];
  for (const [name, input] of Object.entries(parsed.data.inputs)) {
    const type = inputTypeOf(name, input);
    if (type === undefined) {
      problems.push(
        `inputs.${name}: cannot tell the input type: name the input 'sqs_collector' or 'aws', or add 'type'`,
      );
      continue;
    }
    if (!input.enabled) continue;
    const services: ConfiguredService[] = [];
    for (const [serviceName, rawOptions] of Object.entries(input.services)) {
      const path = ["inputs", name, "services", serviceName];
      const definition = findService(serviceName, type);
      if (definition === undefined) {
        problems.push(
          `${dotted(path)}: unknown service '${serviceName}' for input type ${type} (see 'aws-devo-collector services')`,
        );
        continue;
      }
      const given = rawOptions ?? {};
      const options = definition.options.safeParse(given);
      if (!options.success) {
        problems.push(...options.error.issues.map((issue) => describeIssue(issue, given, path)));
        continue;
      }
      services.push({ definition, options: options.data });
    }
    const { services: _ignored, ...rest } = input;
    inputs.push({ ...rest, name, type, services });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { globals: parsed.data.globals, outputs: parsed.data.outputs, inputs };
}

/** Reads and validates a YAML (or JSON) configuration file. Every problem is a {@link ConfigError}. */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseConfigText(text, path, { quoteSource: true });
}

/**
 * Reads and validates a configuration held in environment variable `name` (ECS injects the configuration
 * parameter or secret as a variable). Errors name the source `env:NAME`, with the same exact config paths as for a
 * file. A YAML syntax error gives its line and column but not the excerpt a file's error shows: the variable is a
 * secret (it may hold access keys), and the error goes to the task's log.
 */
export function loadConfigFromEnv(name: string, env: Record<string, string | undefined> = process.env): Config {
  const source = `${ENV_PREFIX}${name}`;
  if (!isEnvName(name)) {
    throw new ConfigError(source, [
      `'${name}' is not an environment variable name (letters, digits and _, not starting with a digit)`,
    ]);
  }
  const text = readEnvVariable(name, env);
  if (text === undefined) {
    throw new ConfigError(source, [
      `environment variable ${name} is ${env[name] === undefined ? "not set" : "empty"}: it must hold the configuration (YAML)`,
    ]);
  }
  return parseConfigText(text, source, { quoteSource: false });
}

/** Keys whose values are secrets, as Devo's and our configurations name them. */
const SECRET_KEY =
  /^(\s*(?:-\s*)?["']?[\w.-]*(?:secret|password|passphrase|token|access_key|external_id)[\w.-]*["']?\s*:\s*)\S.*$/gim;
/** AWS access key ids and 40-character secret keys, wherever they stand. */
const SECRET_VALUE = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/**
 * A YAML error quotes the offending line: the value of a secret-looking key, and anything shaped like an AWS key,
 * is masked there, so a typo next to a secret does not print the secret in a log.
 */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_KEY, "$1***").replace(SECRET_VALUE, "***");
}

function parseConfigText(text: string, source: string, options: { quoteSource: boolean }): Config {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    let detail = error instanceof YAMLParseError ? error.message : String(error);
    // prettyErrors appends ":\n\n<the offending line>\n<caret>"; the first line keeps the position only.
    if (!options.quoteSource) detail = detail.split("\n")[0].replace(/:$/, "");
    else detail = maskSecrets(detail);
    throw new ConfigError(source, [`not valid YAML: ${detail}`]);
  }
  return validateConfig(document, source);
}
