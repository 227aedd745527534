import { albFormat, elbFormat, route53Format, s3AccessFormat } from "../formats/access-log-formats.ts";
import { awsConfigFormat, isConfigWritabilityCheck } from "../formats/aws-config.ts";
import { guardDutyFormat, wafFormat } from "../formats/aws-json-formats.ts";
import { cloudTrailFormat, isDigestKey } from "../formats/cloudtrail.ts";
import { CLOUDWATCH_LOGS_TAG, cloudWatchSubscriptionFormat, osLogTag } from "../formats/cloudwatch-subscription.ts";
import { controlTowerFormat, controlTowerSkipReason } from "../formats/control-tower.ts";
import { CUSTOM_PROCESSORS, customFormat, type FileFormat } from "../formats/custom-processors.ts";
import { securityHubFindings, serviceEvents } from "../formats/eventbridge.ts";
import { lineFormat } from "../formats/line-format.ts";
import { nonCloudWatchLogsFormat } from "../formats/non-cloudwatch-logs.ts";
import type { ObjectFormat } from "../formats/object-format.ts";
import { routingTemplateProblems } from "../formats/routing-template.ts";
import {
  cloudflareAuditFormat,
  cloudflareHttpFormat,
  crowdStrikeFdrFormat,
  impervaFormat,
  laceworkFormat,
  paloAltoFormat,
  sentinelOneFormat,
  umbrellaFormat,
} from "../formats/vendor-formats.ts";
import { isFlowLogHeader, VPC_FLOW_TAG, vpcFlowRule } from "../formats/vpc-flow.ts";
import * as z from "../runtime/zod.ts";
import {
  auditEventsOptions,
  cloudwatchLogsOptions,
  metricsOptions,
  nonCloudwatchLogsOptions,
  securityHubOptions,
  serviceEventsOptions,
} from "./api-service-options.ts";
import { KEY_LAYOUTS, type KeyLayout } from "./key-layouts.ts";
import { commonSkipReason } from "./object-filters.ts";
import type { InputType, ObjectContext, ServiceDefinition, ServiceOptions } from "./service-definition.ts";
import { commonSqsServiceOptions } from "./sqs-service-options.ts";

type OptionsSchema = z.ZodMiniType<ServiceOptions>;

/** A strict schema whose `routing_template` placeholders are checked against the file field definitions. */
function withTemplateCheck<T extends z.ZodMiniObject>(schema: T): OptionsSchema {
  return schema.check(
    z.superRefine((options, ctx) => {
      for (const problem of routingTemplateProblems(options as never)) {
        ctx.addIssue({ code: "custom", path: ["routing_template"], message: problem });
      }
    }),
  ) as unknown as OptionsSchema;
}

const sqsOptions = withTemplateCheck(z.strictObject(commonSqsServiceOptions));

const fileFormatSchema = z.union([
  z.enum(CUSTOM_PROCESSORS),
  z.strictObject({ type: z.enum(CUSTOM_PROCESSORS), config: z.optional(z.record(z.string(), z.unknown())) }),
]);

const customServiceOptions = withTemplateCheck(
  z.strictObject({
    ...commonSqsServiceOptions,
    file_format: fileFormatSchema,
    routing_template: z.string().check(z.minLength(1)),
  }),
);

interface ObjectServiceSpec {
  name: string;
  input?: InputType;
  framing: string;
  table: string;
  format: (context: ObjectContext) => ObjectFormat;
  options?: OptionsSchema;
  notifications?: "s3" | "fdr";
  skip?: (context: ObjectContext) => string | undefined;
  /** The key layout AWS writes this service's files under (see key-layouts.ts), when it has one. */
  layout?: KeyLayout | ((key: string, options: ServiceOptions) => boolean);
}

function objectService(spec: ObjectServiceSpec): ServiceDefinition {
  const skip = spec.skip;
  return {
    name: spec.name,
    input: spec.input ?? "sqs_collector",
    source: "sqs-objects",
    framing: spec.framing,
    table: spec.table,
    options: spec.options ?? sqsOptions,
    notifications: spec.notifications ?? "s3",
    objectFormat: spec.format,
    filterReason: commonSkipReason,
    skipObject: (context) => commonSkipReason(context) ?? skip?.(context),
    ownsKey: spec.layout,
  };
}

const skipCloudTrailDigest = (context: ObjectContext) =>
  isDigestKey(context.key) ? "CloudTrail digest file" : undefined;

const cloudTrail = cloudTrailFormat(undefined, true);
const cloudTrailFirehose = cloudTrailFormat(undefined, false);
const auditEventsCloudTrail = cloudTrailFormat("events", true);
const vpcFlow = lineFormat(vpcFlowRule(VPC_FLOW_TAG));
const cloudWatchLogs = cloudWatchSubscriptionFormat(() => CLOUDWATCH_LOGS_TAG);
const cloudWatchVpc = cloudWatchSubscriptionFormat((event) =>
  isFlowLogHeader(event.message) ? { ignore: "VPC Flow Logs header line" } : VPC_FLOW_TAG,
);
const osLogs = cloudWatchSubscriptionFormat(osLogTag);
const fixed = (format: ObjectFormat) => () => format;

/** Every collection service of Devo's AWS SQS collector (`sqs_collector`) and AWS collector (`aws`). */
export const SERVICES: readonly ServiceDefinition[] = [
  objectService({
    name: "aws_sqs_cloudtrail",
    layout: KEY_LAYOUTS.cloudTrail,
    framing: "json-records",
    table: "cloud.aws.cloudtrail.<source>",
    format: fixed(cloudTrail),
    skip: skipCloudTrailDigest,
  }),
  objectService({
    name: "aws_sqs_cloudtrail_kinesis",
    framing: "concatenated-json",
    table: "cloud.aws.cloudtrail.<source>",
    format: fixed(cloudTrailFirehose),
    skip: skipCloudTrailDigest,
  }),
  objectService({
    name: "aws_sqs_vpc",
    layout: KEY_LAYOUTS.vpcFlow,
    framing: "lines (header)",
    table: VPC_FLOW_TAG,
    format: fixed(vpcFlow),
  }),
  objectService({
    name: "aws_sqs_cloudwatch_vpc",
    framing: "cloudwatch-subscription",
    table: VPC_FLOW_TAG,
    format: fixed(cloudWatchVpc),
  }),
  objectService({
    name: "aws_sqs_cloudwatch",
    framing: "cloudwatch-subscription",
    table: CLOUDWATCH_LOGS_TAG,
    format: fixed(cloudWatchLogs),
  }),
  objectService({
    name: "aws_sqs_elb",
    layout: KEY_LAYOUTS.classicElb,
    framing: "lines",
    table: "web.aws.elb.access",
    format: fixed(elbFormat),
  }),
  objectService({
    name: "aws_sqs_alb",
    layout: KEY_LAYOUTS.alb,
    framing: "lines",
    table: "web.aws.alb.access",
    format: fixed(albFormat),
  }),
  objectService({
    name: "aws_sqs_waf",
    layout: KEY_LAYOUTS.waf,
    framing: "ndjson",
    table: "cloud.aws.waf.logs",
    format: fixed(wafFormat),
  }),
  objectService({
    name: "aws_sqs_guard_duty",
    layout: KEY_LAYOUTS.guardDuty,
    framing: "ndjson",
    table: "cloud.aws.guardduty.findings",
    format: fixed(guardDutyFormat),
  }),
  objectService({
    name: "aws_sqs_guard_duty_kinesis",
    framing: "concatenated-json",
    table: "cloud.aws.guardduty.findings",
    format: fixed(guardDutyFormat),
  }),
  objectService({
    name: "aws_sqs_config",
    layout: KEY_LAYOUTS.config,
    framing: "json-records",
    table: "cloud.aws.configlogs.events",
    format: fixed(awsConfigFormat),
    skip: (context) => (isConfigWritabilityCheck(context.key) ? "AWS Config writability check file" : undefined),
  }),
  objectService({
    name: "aws_sqs_route53",
    layout: KEY_LAYOUTS.route53,
    framing: "ndjson or lines (by first byte)",
    table: "dns.aws.route53",
    format: fixed(route53Format),
  }),
  objectService({
    name: "aws_sqs_s3_access",
    layout: KEY_LAYOUTS.s3Access,
    framing: "lines",
    table: "web.aws.s3.access",
    format: fixed(s3AccessFormat),
  }),
  objectService({
    name: "aws_sqs_os",
    framing: "cloudwatch-subscription",
    table: "box.unix_cloudwatch | box.win_cloudwatch",
    format: fixed(osLogs),
  }),
  objectService({
    name: "aws_sqs_cloudflare_logpush",
    framing: "ndjson",
    table: "cloud.cloudflare.logpush.http",
    format: fixed(cloudflareHttpFormat),
  }),
  objectService({
    name: "aws_sqs_cloudflare_audit",
    framing: "ndjson",
    table: "cloud.aws.cloudflare.audit",
    format: fixed(cloudflareAuditFormat),
  }),
  objectService({
    name: "aws_sqs_cisco_umbrella",
    framing: "csv lines",
    table: "sig.cisco.umbrella.dns (.ip, .proxy, .firewall, .audit, .intrusion, .dlp by key folder)",
    format: fixed(umbrellaFormat),
  }),
  objectService({
    name: "aws_sqs_fdr",
    framing: "ndjson",
    table: "edr.crowdstrike.cannon",
    format: fixed(crowdStrikeFdrFormat),
    notifications: "fdr",
  }),
  objectService({
    name: "aws_sqs_fdr_large",
    framing: "ndjson",
    table: "edr.crowdstrike.cannon",
    format: fixed(crowdStrikeFdrFormat),
    notifications: "fdr",
  }),
  objectService({
    name: "aws_sqs_incapsula",
    framing: "cef lines",
    table: "cef0.imperva.incapsula",
    format: fixed(impervaFormat),
  }),
  objectService({
    name: "aws_sqs_lacework",
    framing: "ndjson",
    table: "monitor.lacework.agent.<type> | monitor.lacework.<data type>",
    format: fixed(laceworkFormat),
  }),
  objectService({
    name: "aws_sqs_palo_alto",
    framing: "lines",
    table: "firewall.paloalto.<log type>[.leef|.json]",
    format: fixed(paloAltoFormat),
  }),
  objectService({
    name: "aws_sqs_s1_funnel",
    framing: "ndjson",
    table: "edr.sentinelone.dv",
    format: fixed(sentinelOneFormat),
  }),
  objectService({
    name: "aws_sqs_control_tower",
    layout: (key: string) => KEY_LAYOUTS.cloudTrail(key) || controlTowerFormat(key) !== undefined,
    framing: "by key",
    table: "per data type (cloudtrail, config, vpc, elb/alb)",
    // controlTowerSkipReason has already left out keys without a format.
    format: (context) => controlTowerFormat(context.key) ?? cloudTrail,
    skip: (context) => controlTowerSkipReason(context.key),
  }),
  objectService({
    name: "custom_service",
    framing: "file_format",
    table: "routing_template",
    options: customServiceOptions,
    format: (context) => customFormat(context.options.file_format as FileFormat),
  }),
  {
    name: "service-events-all",
    input: "aws",
    source: "sqs-events",
    framing: "eventbridge-message",
    table: "cloud.aws.cloudwatch.events | cloud.aws.cloudwatch.<event_type>",
    options: serviceEventsOptions as OptionsSchema,
    inlineEvents: serviceEvents,
  },
  {
    name: "sqs-cloudwatch-consumer",
    input: "aws",
    source: "sqs-events",
    framing: "eventbridge-message",
    table: "cloud.aws.securityhub.findings",
    options: securityHubOptions as OptionsSchema,
    ownsEvent: (event) => event.source === "aws.securityhub",
    inlineEvents: securityHubFindings,
  },
  {
    ...objectService({
      name: "audit-events-all",
      layout: KEY_LAYOUTS.cloudTrail,
      input: "aws",
      framing: "json-records",
      table: "cloud.aws.cloudtrail.events | cloud.aws.cloudtrail.<event_type>",
      options: auditEventsOptions as OptionsSchema,
      format: fixed(auditEventsCloudTrail),
      skip: skipCloudTrailDigest,
    }),
    source: "cloudtrail-api",
    modules: [
      { type: "audits_api", source: "cloudtrail-api" },
      { type: "audits_s3", source: "sqs-objects" },
    ],
  },
  objectService({
    name: "non-cloudwatch-logs",
    input: "aws",
    framing: "lines (flowlogs header / cloudfront #Fields)",
    table: "cloud.aws.vpc.unknown | cloud.aws.cloudfront.unknown; .<event_type> with auto_event_type",
    options: nonCloudwatchLogsOptions as OptionsSchema,
    layout: (key, options) => {
      const types = options.types as string[];
      return (
        (types.includes("flowlogs") && KEY_LAYOUTS.vpcFlow(key)) ||
        (types.includes("cloudfrontlogs") && KEY_LAYOUTS.cloudFront(key))
      );
    },
    format: fixed(nonCloudWatchLogsFormat),
  }),
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
 * The service of that name; `input` tells the two `custom_service`s apart (the SQS collector's by default, as
 * the offline `parse` command reads objects).
 */
export function findService(name: string, input?: InputType): ServiceDefinition | undefined {
  const matches = SERVICES.filter((service) => service.name === name);
  if (input !== undefined) return matches.find((service) => service.input === input);
  return matches.find((service) => service.input === "sqs_collector") ?? matches[0];
}
