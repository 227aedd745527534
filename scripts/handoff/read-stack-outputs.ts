import { readFile } from "node:fs/promises";
import { HandoffError } from "./handoff-error.ts";
import { normalizeName } from "./technologies.ts";

/**
 * A stack's outputs as one flat map (output name → value), whichever tool wrote the file:
 *
 * - `terraform output -json` (also `tofu output -json`): `{ name: { value, type, sensitive } }`;
 * - `cdktf output --outputs-file F` (and `cdktf deploy --outputs-file F`): `{ stack: { name: value } }`;
 * - an already flat `{ name: value }` map (for example `terraform output -json | jq 'map_values(.value)'`).
 */
export interface StackOutputs {
  format: "terraform" | "cdktf" | "flat";
  /** The cdktf stack read, when the file holds stacks. */
  stack?: string;
  values: Record<string, unknown>;
}

/** Output names that mark a map as a stack's own outputs rather than a map of stacks. */
const KNOWN_OUTPUTS = new Set(
  ["region", "role_arn", "external_id", "queues", "queue_urls", "queue_url", "devo_handoff", "handoff"].map(
    normalizeName,
  ),
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTerraformOutput(value: unknown): value is { value: unknown } {
  return isRecord(value) && "value" in value && ("type" in value || "sensitive" in value);
}

export function parseStackOutputs(document: unknown, source: string, stack?: string): StackOutputs {
  if (!isRecord(document) || Object.keys(document).length === 0) {
    throw new HandoffError(source, [
      "expected a JSON object of stack outputs (from `terraform output -json` or `cdktf output --outputs-file`), got " +
        (isRecord(document) ? "an empty object: has the stack been deployed?" : JSON.stringify(document)?.slice(0, 60)),
    ]);
  }
  const entries = Object.entries(document);
  if (entries.every(([, value]) => isTerraformOutput(value))) {
    const values: Record<string, unknown> = {};
    for (const [name, output] of entries) values[name] = (output as { value: unknown }).value;
    return { format: "terraform", values };
  }
  const looksFlat = entries.some(([name]) => KNOWN_OUTPUTS.has(normalizeName(name)));
  if (looksFlat || !entries.every(([, value]) => isRecord(value))) {
    return { format: "flat", values: document };
  }
  const stacks = entries.map(([name]) => name);
  if (stack !== undefined) {
    const values = document[stack];
    if (!isRecord(values)) {
      throw new HandoffError(source, [`--stack ${stack}: no such stack in the file; it has ${stacks.join(", ")}`]);
    }
    return { format: "cdktf", stack, values };
  }
  if (stacks.length > 1) {
    throw new HandoffError(source, [
      `the file holds several stacks (${stacks.join(", ")}): choose one with --stack NAME`,
    ]);
  }
  return { format: "cdktf", stack: stacks[0], values: document[stacks[0]] as Record<string, unknown> };
}

export async function readStackOutputs(path: string, stack?: string): Promise<StackOutputs> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new HandoffError(path, [`cannot read the outputs file: ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new HandoffError(path, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseStackOutputs(document, path, stack);
}
