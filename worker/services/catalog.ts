import { z } from "zod";
import { cloudTrailFormat, isDigestKey } from "../formats/cloudtrail.ts";
import { securityHubFindings, serviceEvents } from "../formats/eventbridge.ts";
import type { ObjectFormat } from "../formats/object-format.ts";
import {
  auditEventsOptions,
  cloudwatchLogsOptions,
  commonAwsServiceOptions,
  metricsOptions,
} from "./api-service-options.ts";
import { commonSkipReason } from "./object-filters.ts";
import type { ObjectContext, ServiceDefinition, ServiceOptions } from "./service-definition.ts";
import { sqsServiceOptions } from "./sqs-service-options.ts";

type OptionsSchema = z.ZodType<ServiceOptions>;

interface ObjectServiceSpec {
  name: string;
  input?: ServiceDefinition["input"];
  framing: string;
  table: string;
  format: (context: ObjectContext) => ObjectFormat;
  options?: OptionsSchema;
  notifications?: "s3" | "fdr";
  skip?: (context: ObjectContext) => string | undefined;
}

function objectService(spec: ObjectServiceSpec): ServiceDefinition {
  const skip = spec.skip;
  return {
    name: spec.name,
    input: spec.input ?? "sqs_collector",
    source: "sqs-objects",
    framing: spec.framing,
    table: spec.table,
    options: spec.options ?? (sqsServiceOptions as OptionsSchema),
    notifications: spec.notifications ?? "s3",
    objectFormat: spec.format,
    skipObject: (context) => commonSkipReason(context) ?? skip?.(context),
  };
}

function skipCloudTrailDigest(context: ObjectContext): string | undefined {
  return isDigestKey(context.key) ? "CloudTrail digest file" : undefined;
}

const cloudTrail = cloudTrailFormat(undefined, true);
const cloudTrailFirehose = cloudTrailFormat(undefined, false);
const auditEventsCloudTrail = cloudTrailFormat("events", true);

/** Every collection service of Devo's AWS SQS collector (`sqs_collector`) and AWS collector (`aws`). */
export const SERVICES: readonly ServiceDefinition[] = [
  objectService({
    name: "aws_sqs_cloudtrail",
    framing: "json-records",
    table: "cloud.aws.cloudtrail.<source>",
    format: () => cloudTrail,
    skip: skipCloudTrailDigest,
  }),
  objectService({
    name: "aws_sqs_cloudtrail_kinesis",
    framing: "concatenated-json",
    table: "cloud.aws.cloudtrail.<source>",
    format: () => cloudTrailFirehose,
    skip: skipCloudTrailDigest,
  }),
  {
    name: "service-events-all",
    input: "aws",
    source: "sqs-events",
    framing: "eventbridge-message",
    table: "cloud.aws.cloudwatch.events | cloud.aws.cloudwatch.<event_type>",
    options: z.strictObject({
      ...commonAwsServiceOptions,
      auto_event_type: z.boolean().default(false),
    }) as OptionsSchema,
    inlineEvents: serviceEvents,
  },
  {
    name: "sqs-cloudwatch-consumer",
    input: "aws",
    source: "sqs-events",
    framing: "eventbridge-message",
    table: "cloud.aws.securityhub.findings",
    options: z.strictObject({ ...commonAwsServiceOptions }) as OptionsSchema,
    inlineEvents: securityHubFindings,
  },
  {
    ...objectService({
      name: "audit-events-all",
      input: "aws",
      framing: "json-records",
      table: "cloud.aws.cloudtrail.events | cloud.aws.cloudtrail.<event_type>",
      options: auditEventsOptions as OptionsSchema,
      format: () => auditEventsCloudTrail,
      skip: skipCloudTrailDigest,
    }),
    source: "cloudtrail-api",
    modules: [
      { type: "audits_api", source: "cloudtrail-api" },
      { type: "audits_s3", source: "sqs-objects" },
    ],
  },
  {
    name: "metrics-all",
    input: "aws",
    source: "cloudwatch-metrics",
    framing: "-",
    table: "cloud.aws.cloudwatch.metrics",
    options: metricsOptions as OptionsSchema,
  },
  {
    name: "custom_service",
    input: "aws",
    source: "cloudwatch-logs",
    framing: "-",
    table: "cloud.aws.cloudwatch.logs",
    options: cloudwatchLogsOptions as OptionsSchema,
  },
];

/**
 * The service of that name; `input` tells the two `custom_service`s apart (SQS collector's by default, as the
 * offline `parse` command reads objects).
 */
export function findService(name: string, input?: ServiceDefinition["input"]): ServiceDefinition | undefined {
  const matches = SERVICES.filter((service) => service.name === name);
  if (input !== undefined) return matches.find((service) => service.input === input);
  return matches.find((service) => service.input === "sqs_collector") ?? matches[0];
}
