import type { DevoEvent } from "../pipeline/event.ts";
import { tagLevel } from "./tag.ts";

type FileFieldOperator =
  | { operator: "split"; on: string; element: number }
  | { operator: "replace"; to_replace: string; replace_with: string };

/** The options a routing template reads (Devo's names). */
export interface RoutingTemplateOptions {
  routing_template?: string;
  file_field_definitions?: Record<string, FileFieldOperator[]>;
  record_field_mapping?: Record<string, { keys: string[] }>;
}

type Part = { text: string } | { file: string } | { record: string[] };

/**
 * Devo's `routing_template`: a tag whose `[placeholders]` are filled per event. `[file-<name>]` is a value taken
 * from the object key by `file_field_definitions.<name>` (split/replace operators in order); `[record-<name>]` is
 * a field of the JSON record, by `record_field_mapping.<name>.keys` (first present wins) or, unmapped, the field
 * `<name>` itself (dotted path); `[<name>]` is the record field `<name>`. Values become one tag level each
 * (lowercase, `[a-z0-9_]`); a missing value is `unknown`.
 */
export class RoutingTemplate {
  private readonly parts: Part[];
  private readonly fileFields: Record<string, FileFieldOperator[]>;
  readonly usesRecord: boolean;

  constructor(options: RoutingTemplateOptions & { routing_template: string }) {
    this.fileFields = options.file_field_definitions ?? {};
    this.parts = parseTemplate(options.routing_template, this.fileFields, options.record_field_mapping ?? {});
    this.usesRecord = this.parts.some((part) => "record" in part);
  }

  /** The tag of one event of the object `key`. */
  render(event: DevoEvent, key: string): string {
    let record: unknown;
    if (this.usesRecord && event.message.startsWith("{")) {
      try {
        record = JSON.parse(event.message);
      } catch {
        record = undefined;
      }
    }
    let tag = "";
    for (const part of this.parts) {
      if ("text" in part) tag += part.text;
      else if ("file" in part) tag += level(fileField(key, this.fileFields[part.file]));
      else tag += level(firstField(record, part.record));
    }
    return tag;
  }
}

/** Errors of a template against its options (an undefined `[file-…]` field), for start-up validation. */
export function routingTemplateProblems(options: RoutingTemplateOptions): string[] {
  if (!options.routing_template) return [];
  const problems: string[] = [];
  for (const match of options.routing_template.matchAll(/\[([^\]]*)\]/g)) {
    const name = match[1];
    if (name === "") problems.push("empty placeholder []");
    else if (name.startsWith("file-") && !options.file_field_definitions?.[name.slice(5)]) {
      problems.push(`placeholder [${name}] needs file_field_definitions.${name.slice(5)}`);
    }
  }
  return problems;
}

function parseTemplate(
  template: string,
  fileFields: Record<string, FileFieldOperator[]>,
  recordMapping: Record<string, { keys: string[] }>,
): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of template.matchAll(/\[([^\]]+)\]/g)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    const name = match[1];
    if (name.startsWith("file-") && fileFields[name.slice(5)]) parts.push({ file: name.slice(5) });
    else if (name.startsWith("record-")) {
      const field = name.slice(7);
      parts.push({ record: recordMapping[field]?.keys ?? [field] });
    } else parts.push({ record: recordMapping[name]?.keys ?? [name] });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return parts;
}

function fileField(key: string, operators: FileFieldOperator[] | undefined): string | undefined {
  let value: string | undefined = key;
  for (const operator of operators ?? []) {
    if (value === undefined) return undefined;
    if (operator.operator === "split") {
      const pieces: string[] = value.split(operator.on);
      value = pieces.at(operator.element);
    } else {
      value = value.replaceAll(operator.to_replace, operator.replace_with);
    }
  }
  return value;
}

function firstField(record: unknown, paths: string[]): string | undefined {
  for (const path of paths) {
    let value: unknown = record;
    for (const name of path.split(".")) {
      value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[name] : undefined;
    }
    if (typeof value === "string" && value !== "") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
  }
  return undefined;
}

function level(value: string | undefined): string {
  return value === undefined || value === "" ? "unknown" : tagLevel(value);
}
