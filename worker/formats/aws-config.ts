import type { ObjectContext } from "../services/service-definition.ts";
import { type JsonObject, jsonRecordsFormat, timeOf } from "./json-records-format.ts";
import type { ObjectFormat } from "./object-format.ts";

export const CONFIG_TAG = "cloud.aws.configlogs.events";

/** AWS Config's delivery-channel check object (`ConfigWritabilityCheckFile`): not data. */
export function isConfigWritabilityCheck(key: string): boolean {
  return key.includes("ConfigWritabilityCheckFile");
}

function isConfigurationItem(record: JsonObject): boolean {
  return "configurationItemCaptureTime" in record || "configurationItemStatus" in record || "resourceType" in record;
}

/**
 * AWS Config snapshot and history files: `{"fileVersion", "configurationItems":[…]}`, one event per configuration
 * item (the array is streamed). A bare configuration item (one per line, Firehose) is accepted too.
 */
export const awsConfigFormat: ObjectFormat = jsonRecordsFormat(
  { splitKeys: ["configurationItems"], strict: true },
  {
    tag: (record: JsonObject, _context: ObjectContext) => (isConfigurationItem(record) ? CONFIG_TAG : undefined),
    ignoreReason: "not an AWS Config configuration item (file without configurationItems)",
    time: (record) => timeOf(record.configurationItemCaptureTime),
    fields: ["configurationItemCaptureTime", "configurationItemStatus", "resourceType"],
  },
);
