import type { LogProducer } from "../policies/log-producer-statements.ts";

/**
 * What the pipeline knows about each kind of log that lands in the bucket: the Devo collector service that reads
 * its queue, where AWS writes it by default, and which AWS service writes it (so the bucket policy can admit it).
 */
export const S3_TECHNOLOGY_TYPES = [
  "cloudtrail",
  "vpcflow",
  "elb",
  "alb",
  "waf",
  "guardduty",
  "config",
  "route53",
  "s3_access",
  "cloudfront",
  "custom",
] as const;

export type S3TechnologyType = (typeof S3_TECHNOLOGY_TYPES)[number];

export interface S3TechnologyProfile {
  /** Devo's service name for the queue (the `services` key of the collector configuration). */
  service: string;
  /** Default key prefix; `{account}` is replaced by the account id. `undefined`: the prefix must be given. */
  defaultPrefix?: string;
  defaultSuffix: string;
  /** The AWS service that writes these files, when there is one to admit in the bucket policy. */
  producer?: LogProducer;
  /** Writers of this log type support only SSE-S3 default encryption on the target bucket. */
  requiresSseS3?: boolean;
  /** Writers of this log type encrypt each object with a KMS key of their own configuration. */
  requiresKmsKey?: boolean;
}

export const S3_TECHNOLOGIES: Readonly<Record<S3TechnologyType, S3TechnologyProfile>> = {
  // The prefix stops before `CloudTrail-Digest/` (digests are not events); Insights files are added as a
  // second route when the trail records Insights.
  cloudtrail: {
    service: "aws_sqs_cloudtrail",
    defaultPrefix: "AWSLogs/{account}/CloudTrail/",
    defaultSuffix: ".json.gz",
  },
  vpcflow: {
    service: "aws_sqs_vpc",
    defaultPrefix: "AWSLogs/{account}/vpcflowlogs/",
    defaultSuffix: ".log.gz",
    producer: "vended-logs",
  },
  // Classic and Application Load Balancers both write `<prefix>/AWSLogs/<account>/elasticloadbalancing/`; only
  // the load balancer's own prefix tells them apart, so the defaults use `elb/` and `alb/`.
  elb: {
    service: "aws_sqs_elb",
    defaultPrefix: "elb/AWSLogs/{account}/elasticloadbalancing/",
    defaultSuffix: ".log",
    producer: "elb",
    requiresSseS3: true,
  },
  alb: {
    service: "aws_sqs_alb",
    defaultPrefix: "alb/AWSLogs/{account}/elasticloadbalancing/",
    defaultSuffix: ".log.gz",
    producer: "elb",
    requiresSseS3: true,
  },
  waf: {
    service: "aws_sqs_waf",
    defaultPrefix: "AWSLogs/{account}/WAFLogs/",
    defaultSuffix: ".log.gz",
    producer: "vended-logs",
  },
  guardduty: {
    service: "aws_sqs_guard_duty",
    defaultPrefix: "AWSLogs/{account}/GuardDuty/",
    defaultSuffix: ".jsonl.gz",
    producer: "guardduty",
    requiresKmsKey: true,
  },
  config: {
    service: "aws_sqs_config",
    defaultPrefix: "AWSLogs/{account}/Config/",
    defaultSuffix: ".json.gz",
    producer: "config",
  },
  route53: {
    service: "aws_sqs_route53",
    defaultPrefix: "AWSLogs/{account}/vpcdnsquerylogs/",
    defaultSuffix: ".log.gz",
    producer: "vended-logs",
  },
  s3_access: {
    service: "aws_sqs_s3_access",
    defaultPrefix: "s3-access-logs/",
    defaultSuffix: "",
    producer: "s3-server-access",
    requiresSseS3: true,
  },
  cloudfront: {
    service: "custom_service",
    defaultPrefix: "cloudfront/",
    defaultSuffix: ".gz",
    producer: "vended-logs",
  },
  custom: { service: "custom_service", defaultSuffix: "" },
};

/** Devo services of the queues fed by EventBridge rules. */
export const EVENTBRIDGE_SERVICES = {
  service_events: "service-events-all",
  security_hub: "sqs-cloudwatch-consumer",
} as const;

/** CloudTrail writes Insights events beside its log files, under this folder. */
export const CLOUDTRAIL_INSIGHTS_PREFIX = "AWSLogs/{account}/CloudTrail-Insight/";
