import { jsonValuesInLine } from "./json-in-line.ts";
import { jsonRecordsFormat } from "./json-records-format.ts";
import { compactJson } from "./json-splitter.ts";
import { type LineVerdict, lineFormat } from "./line-format.ts";
import type { ObjectFormat } from "./object-format.ts";

/** Devo's processor names for `custom_service.file_format`. */
export const CUSTOM_PROCESSORS = [
  "unseparated_json_processor",
  "split_or_unseparated_processor",
  "aws_access_logs_processor",
  "single_json_object_processor",
  "separated_json_processor",
  "json_object_to_linesplit_processor",
  "json_array_processor",
  "json_line_arrays_processor",
  "line_split_processor",
] as const;

export type CustomProcessor = (typeof CUSTOM_PROCESSORS)[number];

/** `file_format` as Devo writes it: a processor name, or `{type, config}`. */
export type FileFormat = CustomProcessor | { type: CustomProcessor; config?: Record<string, unknown> };

/** Tag given before the routing template (which custom_service requires) replaces it. */
export const CUSTOM_PLACEHOLDER_TAG = "custom";

/** A custom service's JSON records: one tag, no time; the scan validates them, none is parsed. */
const anyTag = { tag: () => CUSTOM_PLACEHOLDER_TAG, fields: [] };

/** JSON line or text line: the verdict of `split_or_unseparated_processor` and JSON line processors. */
function jsonLine(line: string, textAllowed: boolean): LineVerdict | LineVerdict[] {
  const trimmed = line.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
    return textAllowed ? { tag: CUSTOM_PLACEHOLDER_TAG } : { skip: "invalid JSON" };
  }
  try {
    JSON.parse(line);
    return { tag: CUSTOM_PLACEHOLDER_TAG, message: compactJson(line) };
  } catch {
    const values = jsonValuesInLine(line);
    if (values) {
      return values.map((text) => {
        try {
          JSON.parse(text);
          return { tag: CUSTOM_PLACEHOLDER_TAG, message: text };
        } catch {
          return { skip: "invalid JSON" };
        }
      });
    }
    return textAllowed ? { tag: CUSTOM_PLACEHOLDER_TAG } : { skip: "invalid JSON" };
  }
}

/** The object format of a `custom_service` processor. */
export function customFormat(fileFormat: FileFormat): ObjectFormat {
  const type = typeof fileFormat === "string" ? fileFormat : fileFormat.type;
  const config = typeof fileFormat === "string" ? {} : (fileFormat.config ?? {});
  switch (type) {
    case "unseparated_json_processor":
      return jsonRecordsFormat({ strict: false }, anyTag);
    case "split_or_unseparated_processor":
      return lineFormat(() => (line) => jsonLine(line, true));
    case "aws_access_logs_processor":
      return lineFormat(() => () => ({ tag: CUSTOM_PLACEHOLDER_TAG }));
    case "line_split_processor":
      return lineFormat(
        () => (line) => (config.json === true ? jsonLine(line, false) : { tag: CUSTOM_PLACEHOLDER_TAG }),
      );
    case "separated_json_processor":
      return lineFormat(() => (line) => jsonLine(line, false));
    case "single_json_object_processor":
      return jsonRecordsFormat({ strict: true }, anyTag);
    case "json_object_to_linesplit_processor": {
      const key = typeof config.key === "string" ? config.key : "Records";
      return jsonRecordsFormat({ splitKeys: [key], strict: true }, anyTag);
    }
    case "json_array_processor":
      return jsonRecordsFormat({ splitTopLevelArrays: true, strict: true }, anyTag);
    case "json_line_arrays_processor":
      return jsonRecordsFormat({ splitTopLevelArrays: true, strict: false }, anyTag);
  }
}
