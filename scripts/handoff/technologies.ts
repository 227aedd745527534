import type { InputType } from "../../worker/services/service-definition.ts";

/**
 * Which Devo collection service reads the queue of each technology the stack can route. The service names are
 * Devo's (DESIGN.md §5), because Devo's form asks for exactly these, and the worker accepts the same names.
 * Technologies are matched on their normalized spelling (lower case, letters and digits only), so the stack may
 * call a queue `vpc_flow_logs`, `vpcFlowLogs` or `vpc-flow-logs`.
 */
export interface Technology {
  /** The spelling used in the hand-off files and as the worker input's key. */
  id: string;
  label: string;
  service: string;
  input: InputType;
  aliases: readonly string[];
}

const sqs = (id: string, label: string, service: string, aliases: string[] = []): Technology => ({
  id,
  label,
  service,
  input: "sqs_collector",
  aliases,
});

export const TECHNOLOGIES: readonly Technology[] = [
  sqs("cloudtrail", "AWS CloudTrail (S3 files)", "aws_sqs_cloudtrail", ["trail", "audit"]),
  sqs("cloudtrail_kinesis", "AWS CloudTrail via Firehose", "aws_sqs_cloudtrail_kinesis", ["cloudtrail_firehose"]),
  sqs("vpc_flow_logs", "VPC Flow Logs (S3 files)", "aws_sqs_vpc", ["vpcflow", "vpc", "flow_logs", "vpc_flow"]),
  sqs("cloudwatch_vpc", "VPC Flow Logs via CloudWatch Logs and Firehose", "aws_sqs_cloudwatch_vpc"),
  sqs("cloudwatch_logs", "CloudWatch Logs subscription via Firehose", "aws_sqs_cloudwatch", ["cloudwatch"]),
  sqs("elb", "Classic Load Balancer access logs", "aws_sqs_elb"),
  sqs("alb", "Application Load Balancer access logs", "aws_sqs_alb"),
  sqs("waf", "AWS WAF logs", "aws_sqs_waf"),
  sqs("guardduty", "Amazon GuardDuty findings (S3 export)", "aws_sqs_guard_duty", ["guard_duty"]),
  sqs("guardduty_kinesis", "Amazon GuardDuty findings via Firehose", "aws_sqs_guard_duty_kinesis", [
    "guard_duty_kinesis",
  ]),
  sqs("config", "AWS Config snapshots and history", "aws_sqs_config", ["aws_config"]),
  sqs("route53", "Route 53 Resolver query logs", "aws_sqs_route53", ["route_53", "dns"]),
  sqs("s3_access", "S3 server access logs", "aws_sqs_s3_access", ["s3_access_logs", "s3"]),
  sqs("os", "OS logs via the CloudWatch agent", "aws_sqs_os", ["os_logs"]),
  sqs("cloudflare", "Cloudflare Logpush (HTTP requests)", "aws_sqs_cloudflare_logpush", ["cloudflare_logpush"]),
  sqs("cloudflare_audit", "Cloudflare audit logs", "aws_sqs_cloudflare_audit"),
  sqs("umbrella", "Cisco Umbrella DNS logs", "aws_sqs_cisco_umbrella", ["cisco_umbrella"]),
  sqs("crowdstrike_fdr", "CrowdStrike Falcon Data Replicator", "aws_sqs_fdr", ["fdr", "crowdstrike"]),
  sqs("incapsula", "Imperva Incapsula (CEF)", "aws_sqs_incapsula", ["imperva"]),
  sqs("lacework", "Lacework", "aws_sqs_lacework"),
  sqs("palo_alto", "Palo Alto Networks logs", "aws_sqs_palo_alto", ["paloalto"]),
  sqs("sentinelone", "SentinelOne funnel", "aws_sqs_s1_funnel", ["s1_funnel", "s1"]),
  // CloudFront and custom files need a `file_format` and `routing_template` that the stack does not know: Devo
  // (or whoever completes the worker config) must add them.
  sqs("cloudfront", "CloudFront access logs (custom service)", "custom_service"),
  sqs("custom", "Custom log files (custom service)", "custom_service"),
  {
    id: "security_hub",
    label: "AWS Security Hub findings via EventBridge",
    service: "sqs-cloudwatch-consumer",
    input: "aws",
    aliases: ["securityhub", "security_hub_findings"],
  },
  {
    id: "service_events",
    label: "AWS service events via EventBridge",
    service: "service-events-all",
    input: "aws",
    aliases: ["eventbridge", "cloudwatch_events", "events"],
  },
];

/** `vpc-flow-logs`, `vpcFlowLogs` and `VPC_FLOW_LOGS` all become `vpcflowlogs`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

const byName = new Map<string, Technology>();
for (const technology of TECHNOLOGIES) {
  for (const name of [technology.id, ...technology.aliases]) byName.set(normalizeName(name), technology);
}

export function findTechnology(name: string): Technology | undefined {
  return byName.get(normalizeName(name));
}

/** The technology whose Devo service has this name (when the stack names the service rather than the technology). */
export function technologyOfService(service: string): Technology | undefined {
  return TECHNOLOGIES.find((technology) => technology.service === service);
}

/**
 * The key under which Devo's AWS collector takes the queue (by name) of each of its queue services; the SQS
 * collector's services take the queue URL (`base_url`) instead.
 */
export const AWS_COLLECTOR_QUEUE_KEY: Readonly<Record<string, string>> = {
  "service-events-all": "cloudwatch_sqs_queue_name",
  "sqs-cloudwatch-consumer": "cloudwatch_sqs_queue_name",
};

/** Services that cannot run from a queue URL alone: their options (format, tag) must be written by a person. */
export const NEEDS_OPTIONS = new Set(["custom_service"]);
