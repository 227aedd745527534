/**
 * `npm run docs:config`: writes docs/configuration.md, the reference of every configuration key, from the schemas
 * the worker validates with (types, defaults, allowed values, limits) and the doc comments written beside each key
 * in those schema files. A test renders it again and fails when the file is out of date, so the reference cannot
 * drift from the code.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { configSchema } from "../worker/config/config-schema.ts";
import { SERVICES } from "../worker/services/catalog.ts";

const root = resolve(fileURLToPath(import.meta.url), "../..");
export const REFERENCE_PATH = resolve(root, "docs/configuration.md");

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  format?: string;
};

/**
 * The doc comment (`/** … *\/`) written right above each `key:` in the given source files, by key name. A key name
 * documented differently in two places (`type`) gets no text rather than the wrong one.
 */
function docComments(files: readonly string[]): Map<string, string> {
  const comments = new Map<string, string>();
  const ambiguous = new Set<string>();
  for (const file of files) {
    const text = readFileSync(resolve(root, file), "utf8");
    for (const match of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*"?([\w-]+)"?\s*:/g)) {
      const comment = match[1]
        .split("\n")
        .map((line) => line.replace(/^\s*\*\s?/, "").trim())
        .join(" ")
        .replace(/\s+/g, " ")
        .trim();
      const known = comments.get(match[2]);
      if (known !== undefined && known !== comment) ambiguous.add(match[2]);
      else comments.set(match[2], comment);
    }
  }
  for (const key of ambiguous) comments.delete(key);
  return comments;
}

function jsonSchema(schema: z.core.$ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/** `string`, `integer 1–65535`, `list of string`, `one of: a, b`, … */
function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (schema.enum !== undefined) return `one of ${schema.enum.map((value) => `\`${String(value)}\``).join(", ")}`;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) return alternatives.map(typeOf).join(", or ");
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  if (type === "array") return `list of ${schema.items === undefined ? "any" : typeOf(schema.items)}`;
  if (type === "object") return "map";
  const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? `>${schema.exclusiveMinimum}` : undefined);
  const high = schema.maximum !== undefined && schema.maximum < 9_007_199_254_740_991 ? schema.maximum : undefined;
  const range = low !== undefined || high !== undefined ? ` ${low ?? ""}–${high ?? ""}` : "";
  return `${type}${schema.format === "uri" ? " (URL)" : schema.format === "date-time" ? " (ISO-8601)" : ""}${range}`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** One table of an object's keys; nested objects get their own rows as `parent.child`. */
function rows(schema: JsonSchema, comments: Map<string, string>, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${key}`;
    const required = schema.required?.includes(key) && property.default === undefined ? "yes" : "";
    const fallback = property.default === undefined ? "" : `\`${JSON.stringify(property.default)}\``;
    const meaning = property.description ?? comments.get(key) ?? "";
    out.push(`| \`${name}\` | ${cell(typeOf(property))} | ${required} | ${cell(fallback)} | ${cell(meaning)} |`);
    if (property.properties !== undefined && Object.keys(property.properties).length > 0) {
      out.push(...rows(property, comments, `${name}.`));
    }
  }
  return out;
}

function table(schema: JsonSchema, comments: Map<string, string>): string[] {
  return ["| key | type | required | default | meaning |", "|---|---|---|---|---|", ...rows(schema, comments)];
}

/** The whole reference, as Markdown. */
export function renderConfigReference(): string {
  const top = jsonSchema(configSchema);
  const props = top.properties ?? {};
  const configComments = docComments([
    "worker/config/config-schema.ts",
    "worker/config/credentials-schema.ts",
    "worker/config/outputs-schema.ts",
  ]);
  const outputComments = docComments(["worker/config/outputs-schema.ts"]);
  const serviceComments = docComments([
    "worker/services/sqs-service-options.ts",
    "worker/services/api-service-options.ts",
    "worker/services/catalog.ts",
  ]);
  const lines = [
    "# Configuration reference",
    "",
    "Generated by `npm run docs:config` from the schemas the worker validates with (`worker/config/`,",
    "`worker/services/`); a test fails when this file is out of date. Which keys are Devo's and which are ours, with",
    "sources: `docs/devo-compatibility.md`. An unknown key or a wrong type stops the worker at start-up with its path.",
    "",
    "## globals",
    "",
    ...table(props.globals ?? {}, configComments),
    "",
    "## outputs.<id>",
    "",
  ];
  const outputTypes =
    (props.outputs?.additionalProperties as JsonSchema | undefined)?.oneOf ??
    (props.outputs?.additionalProperties as JsonSchema | undefined)?.anyOf ??
    [];
  for (const output of outputTypes) {
    const type = output.properties?.type?.const;
    lines.push(`### type: ${String(type)}`, "", ...table(output.properties?.config ?? {}, outputComments), "");
  }
  const input = (props.inputs?.additionalProperties ?? {}) as JsonSchema;
  const { services: _services, ...inputKeys } = input.properties ?? {};
  lines.push(
    "## inputs.<id>",
    "",
    "The input type is `sqs_collector` (Devo's AWS SQS collector) or `aws` (Devo's AWS collector): the input's key,",
    "or `type`.",
    "",
    ...table({ ...input, properties: inputKeys }, configComments),
    "",
    "## inputs.<id>.services.<service>",
    "",
  );
  // Services with the same options share one table (most SQS collector services take the same keys).
  const groups = new Map<string, { schema: JsonSchema; services: typeof SERVICES }>();
  for (const service of SERVICES) {
    const schema = jsonSchema(service.options);
    const key = JSON.stringify(schema);
    const group = groups.get(key) ?? { schema, services: [] };
    groups.set(key, { schema, services: [...group.services, service] });
  }
  for (const { schema, services } of groups.values()) {
    const heading =
      services.length > 3
        ? `${services.length} services of the ${services[0].input} input, with the same options`
        : services.map((service) => `${service.name} (${service.input})`).join(", ");
    lines.push(`### ${heading}`, "");
    for (const service of services) lines.push(`- \`${service.name}\`: ${service.source}; Devo table ${service.table}`);
    lines.push("", ...table(schema, serviceComments), "");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

if (import.meta.main) {
  writeFileSync(REFERENCE_PATH, renderConfigReference());
  process.stdout.write(`wrote ${REFERENCE_PATH}\n`);
}
