import type { ObjectContext } from "../services/service-definition.ts";
import { cloudFrontRule } from "./cloudfront.ts";
import { type LineRule, lineFormat } from "./line-format.ts";
import type { ObjectFormat } from "./object-format.ts";
import { vpcFlowRule } from "./vpc-flow.ts";

/**
 * Devo's tables for this service: `cloud.aws.vpc.unknown` and `cloud.aws.cloudfront.unknown`, or with
 * `auto_event_type` `cloud.aws.vpc.{event_type}` and `cloud.aws.cloudfront.{event_type}` (seed 002). Devo does not
 * say what the event type of a flow log or a CloudFront log is; ours: `flow` (the table Devo's SQS collector writes
 * flow logs to, `cloud.aws.vpc.flow`) and `access` (a CloudFront standard log is an access log).
 */
export const NON_CLOUDWATCH_TAGS = {
  flowlogs: { unknown: "cloud.aws.vpc.unknown", auto: "cloud.aws.vpc.flow" },
  cloudfrontlogs: { unknown: "cloud.aws.cloudfront.unknown", auto: "cloud.aws.cloudfront.access" },
} as const;

const rules = {
  flowlogs: {
    unknown: vpcFlowRule(NON_CLOUDWATCH_TAGS.flowlogs.unknown),
    auto: vpcFlowRule(NON_CLOUDWATCH_TAGS.flowlogs.auto),
  },
  cloudfrontlogs: {
    unknown: cloudFrontRule(NON_CLOUDWATCH_TAGS.cloudfrontlogs.unknown),
    auto: cloudFrontRule(NON_CLOUDWATCH_TAGS.cloudfrontlogs.auto),
  },
} as const;

/** The module an object belongs to when `--type` / the context does not say: by key, else by its first line. */
function moduleOf(context: ObjectContext, firstLine: string): "flowlogs" | "cloudfrontlogs" {
  if (context.type === "flowlogs" || context.type === "cloudfrontlogs") return context.type;
  if (/\/vpcflowlogs\//.test(context.key)) return "flowlogs";
  if (firstLine.startsWith("#Version") || firstLine.startsWith("#Fields")) return "cloudfrontlogs";
  if (firstLine.startsWith("{") && firstLine.includes('"x-edge-location"')) return "cloudfrontlogs";
  return "flowlogs";
}

/**
 * `non-cloudwatch-logs` of the AWS collector: VPC Flow Logs (`flowlogs`) and CloudFront standard logs
 * (`cloudfrontlogs`) read from S3 via SQS. One object holds one of the two; the module is chosen per object.
 */
export const nonCloudWatchLogsFormat: ObjectFormat = lineFormat((context) => {
  let rule: LineRule | undefined;
  return (line, ctx) => {
    rule ??= rules[moduleOf(context, line)][context.options.auto_event_type === true ? "auto" : "unknown"](context);
    return rule(line, ctx);
  };
});
