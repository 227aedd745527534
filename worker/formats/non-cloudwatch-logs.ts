import type { ObjectContext } from "../services/service-definition.ts";
import { cloudFrontRule } from "./cloudfront.ts";
import { type LineRule, lineFormat } from "./line-format.ts";
import type { ObjectFormat } from "./object-format.ts";
import { vpcFlowRule } from "./vpc-flow.ts";

export const NON_CLOUDWATCH_FLOWLOGS_TAG = "cloud.aws.vpc.flowlogs";
export const NON_CLOUDWATCH_CLOUDFRONT_TAG = "cloud.aws.cloudfront.logs";

const flowLogs = vpcFlowRule(NON_CLOUDWATCH_FLOWLOGS_TAG);
const cloudFront = cloudFrontRule(NON_CLOUDWATCH_CLOUDFRONT_TAG);

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
    rule ??= moduleOf(context, line) === "flowlogs" ? flowLogs(context) : cloudFront(context);
    return rule(line, ctx);
  };
});
