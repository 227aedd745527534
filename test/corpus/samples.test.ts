import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runParseCommand } from "../../worker/cli/parse-command.ts";
import { captureIo } from "../helpers/capture-io.ts";

/**
 * `parse` over every file of the shared sample corpus (../shared/samples beside the project root; see its
 * MANIFEST.md). The expected counts and tags below were worked out by reading the files (line counts, the records'
 * eventSource values, the number of log events), not copied from the parser's output.
 */
const SAMPLES = fileURLToPath(new URL("../../../shared/samples/", import.meta.url));

interface Expectation {
  /** `parse` arguments before the file (service, type, options). */
  args: string[];
  /** Events per tag. */
  tags: Record<string, number>;
  skipped?: number;
  /** Records that are not events (headers, digests, control messages), as the summary reports them. */
  notEvents?: RegExp;
}

const ct = (source: string) => `cloud.aws.cloudtrail.${source}`;
const cwl = (n: number): Expectation => ({
  args: ["--service", "aws_sqs_cloudwatch"],
  tags: { "cloud.aws.cloudwatch.logs": n },
});
const vpc = (n: number): Expectation => ({ args: ["--service", "aws_sqs_vpc"], tags: { "cloud.aws.vpc.flow": n } });
const headerIgnored = /not events: VPC Flow Logs header line: 1/;
const digest: Expectation = {
  args: ["--service", "aws_sqs_cloudtrail"],
  tags: {},
  notEvents: /CloudTrail digest file: 1/,
};
const eventBridge = (type: string): Expectation => ({
  args: ["--service", "service-events-all", "--options", '{"auto_event_type":true}'],
  tags: { [`cloud.aws.cloudwatch.${type}`]: 1 },
});

/** Every file: its expectation, or why no service reads it. */
const CORPUS: Record<string, Expectation | { excluded: string }> = {
  "alb/awsdocs_alb_examples.log": { args: ["--service", "aws_sqs_alb"], tags: { "web.aws.alb.access": 7 } },
  "alb/DERIVED_123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20180702T2225Z_192.168.131.39_2ab3cdef.log.gz":
    { args: ["--service", "aws_sqs_alb"], tags: { "web.aws.alb.access": 7 } },
  "nlb/awsdocs_nlb_tls_examples.log": { args: ["--service", "aws_sqs_elb"], tags: { "web.aws.elb.access": 2 } },
  "elb_classic/awsdocs_elb_classic_examples.log": {
    args: ["--service", "aws_sqs_elb"],
    tags: { "web.aws.elb.access": 4 },
  },
  "s3_access/awsdocs_s3_server_access_example.log": {
    args: ["--service", "aws_sqs_s3_access"],
    tags: { "web.aws.s3.access": 5 },
  },
  "s3_access/DERIVED_2019-02-06-00-00-38-5C0E2A3EXAMPLE": {
    args: ["--service", "aws_sqs_s3_access"],
    tags: { "web.aws.s3.access": 5 },
  },
  "waf/awsdocs_waf_log_examples.jsonl": { args: ["--service", "aws_sqs_waf"], tags: { "cloud.aws.waf.logs": 6 } },
  "waf/DERIVED_123456789012_waflogs_us-east-1_captcha-web-acl_20210923T1805Z_a1b2c3d4.log.gz": {
    args: ["--service", "aws_sqs_waf"],
    tags: { "cloud.aws.waf.logs": 6 },
  },
  // 9 NDJSON lines, the last one without a final newline.
  "route53_resolver/elastic_test-route53-resolver_EXCERPT.log": {
    args: ["--service", "aws_sqs_route53"],
    tags: { "dns.aws.route53": 9 },
  },
  "route53_public/elastic_test-route53-public.log": {
    args: ["--service", "aws_sqs_route53"],
    tags: { "dns.aws.route53": 5 },
  },
  "guardduty/elastic_test-guard_duty_EXCERPT.jsonl": {
    args: ["--service", "aws_sqs_guard_duty"],
    tags: { "cloud.aws.guardduty.findings": 2 },
  },
  "cisco_umbrella/elastic_test-umbrella-dnslogs.csv": {
    args: ["--service", "aws_sqs_cisco_umbrella"],
    tags: { "sig.cisco.umbrella.dns": 15 },
  },
  "cloudflare_logpush/elastic_deploy-test-http-request.ndjson": {
    args: ["--service", "aws_sqs_cloudflare_logpush"],
    tags: { "cloud.cloudflare.logpush.http": 2 },
  },
  "crowdstrike_fdr/elastic_fdr-sample_EXCERPT.ndjson": {
    args: ["--service", "aws_sqs_fdr"],
    tags: { "edr.crowdstrike.cannon": 5 },
  },
  "imperva_cef/elastic_imperva_incapsula_cef.log": {
    args: ["--service", "aws_sqs_incapsula"],
    tags: { "cef0.imperva.incapsula": 2 },
  },

  // VPC Flow Logs: header + records, or records only (the Elastic samples have no header).
  "vpcflow/awsdocs_vpcflow_v2_default.log": { ...vpc(7), notEvents: headerIgnored },
  "vpcflow/awsdocs_vpcflow_v3_tcp_flags.log": { ...vpc(8), notEvents: headerIgnored },
  "vpcflow/awsdocs_vpcflow_custom_nat.log": { ...vpc(6), notEvents: headerIgnored },
  "vpcflow/awsdocs_vpcflow_v5_traffic_path.log": { ...vpc(2), notEvents: headerIgnored },
  "vpcflow/elastic_test-v5-all-fields.log": vpc(1),
  "vpcflow/elastic_test-tgw-samples.log": vpc(10),
  "vpcflow/DERIVED_123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20150510T1650Z_fe123456.log.gz": {
    ...vpc(7),
    notEvents: headerIgnored,
  },

  // CloudFront standard logs (#Version/#Fields are not events) and the v2 JSON output.
  "cloudfront/awsdocs_cloudfront_standard_log_example.log": {
    args: ["--service", "non-cloudwatch-logs"],
    tags: { "cloud.aws.cloudfront.unknown": 6 },
    notEvents: /W3C directive line \(#Version, #Fields\): 2/,
  },
  "cloudfront/DERIVED_EMLARXS9EXAMPLE.2019-12-04-21.d111111a.gz": {
    args: ["--service", "non-cloudwatch-logs"],
    tags: { "cloud.aws.cloudfront.unknown": 6 },
    notEvents: /W3C directive line \(#Version, #Fields\): 2/,
  },
  "cloudfront/logstash-input-s3_cloudfront_rtmp.log": {
    args: ["--service", "non-cloudwatch-logs", "--type", "cloudfrontlogs"],
    tags: { "cloud.aws.cloudfront.unknown": 2 },
  },
  "cloudfront/loki_cloudfront.json.gz": {
    args: ["--service", "non-cloudwatch-logs"],
    tags: { "cloud.aws.cloudfront.unknown": 1 },
  },
  "generic_edge_cases/logstash-input-s3_compressed.log.gz": {
    args: ["--service", "non-cloudwatch-logs", "--type", "cloudfrontlogs"],
    tags: { "cloud.aws.cloudfront.unknown": 2 },
  },
  "generic_edge_cases/logstash-input-s3_uncompressed.log": {
    args: ["--service", "non-cloudwatch-logs", "--type", "cloudfrontlogs"],
    tags: { "cloud.aws.cloudfront.unknown": 2 },
  },

  // CloudTrail log files: one event per record; the Insights records go to `insights`.
  "cloudtrail/awsdocs_cloudtrail-log-file-examples_block2.json": {
    args: ["--service", "aws_sqs_cloudtrail"],
    tags: { [ct("ec2")]: 1 },
  },
  "cloudtrail/awsdocs_cloudtrail-log-file-examples_block3.json": {
    args: ["--service", "aws_sqs_cloudtrail"],
    tags: { [ct("ec2")]: 1 },
  },
  "cloudtrail/awsdocs_cloudtrail-log-file-examples_block4.json": {
    args: ["--service", "aws_sqs_cloudtrail"],
    tags: { [ct("ec2")]: 1 },
  },
  "cloudtrail/awsdocs_cloudtrail-log-file-examples_block5.json": {
    args: ["--service", "aws_sqs_cloudtrail"],
    tags: { [ct("iam")]: 1 },
  },
  "cloudtrail/awsdocs_cloudtrail-log-file-examples_block6.json": {
    args: ["--service", "aws_sqs_cloudtrail"],
    tags: { [ct("iam")]: 1 },
  },
  // A raw newline inside a string: the record is not JSON, so it is skipped and counted; the file itself is read.
  "cloudtrail/awsdocs_cloudtrail-log-file-examples_block7_INVALID_raw_newline_in_string.json": {
    args: ["--service", "aws_sqs_cloudtrail"],
    tags: {},
    skipped: 1,
  },
  // 14 single events, one per line; one of them is only a userIdentity fragment (no eventSource).
  "cloudtrail/awsdocs_individual_events.jsonl": {
    args: ["--service", "aws_sqs_cloudtrail"],
    tags: {
      [ct("signin")]: 9,
      [ct("iam")]: 1,
      [ct("kms")]: 1,
      [ct("cloudtrail")]: 1,
      [ct("insights")]: 1,
      [ct("unknown")]: 1,
    },
  },
  "cloudtrail/DERIVED_awsdocs_all_records_123456789012_CloudTrail_us-east-2_20140325T2020Z_EXAMPLE.json.gz": {
    args: ["--service", "aws_sqs_cloudtrail"],
    tags: { [ct("ec2")]: 3, [ct("iam")]: 2, [ct("cloudtrail")]: 1, [ct("insights")]: 2, [ct("signin")]: 1 },
  },
  "cloudtrail_firehose/DERIVED_awsdocs_firehose_concatenated_no_separator.json": {
    args: ["--service", "aws_sqs_cloudtrail_kinesis"],
    tags: {
      [ct("signin")]: 10,
      [ct("iam")]: 3,
      [ct("ec2")]: 3,
      [ct("kms")]: 1,
      [ct("cloudtrail")]: 2,
      [ct("insights")]: 3,
      [ct("unknown")]: 1,
    },
  },
  "cloudtrail_digest/elastic_test-cloudtrail-digest.json": digest,
  "cloudtrail_digest/awsdocs_digest_example_block2.json": digest,
  "cloudtrail_digest/awsdocs_digest_example_block3.json": digest,

  // CloudWatch Logs subscription payloads (decoded DATA_MESSAGEs and a Firehose object of gzip members).
  "cloudwatch_logs_subscription/DERIVED_firehose_cwl_concatenated_json.gz": {
    ...cwl(8),
    notEvents: /CloudWatch Logs CONTROL_MESSAGE: 1/,
  },
  "cloudwatch_logs_subscription/DERIVED_cwl_control_message.json": {
    ...cwl(0),
    tags: {},
    notEvents: /CloudWatch Logs CONTROL_MESSAGE: 1/,
  },
  "cloudwatch_logs_subscription/datadog_cloudwatch_log.json": cwl(2),
  "cloudwatch_logs_subscription/datadog_cloudwatch_log_coldstart.json": cwl(3),
  "cloudwatch_logs_subscription/datadog_cloudwatch_log_timeout.json": cwl(4),
  "cloudwatch_logs_subscription/datadog_step_functions_log.json": cwl(1),
  "cloudwatch_logs_subscription/datadog_cloudwatch_customized_log_group_lambda_invocation.json": cwl(3),
  "cloudwatch_logs_subscription/datadog_tests_cloudwatch_logs.json": cwl(19),
  "cloudwatch_logs_subscription/datadog_tests_cloudwatch_logs_2.json": cwl(1),
  "cloudwatch_logs_subscription/loki_kinesis-event.json": cwl(3),
  // A CloudTrail log group's payload: read as CloudTrail (Firehose) it gives the records' own tags.
  "cloudwatch_logs_subscription/datadog_cloudwatch_log_cloudtrail.json": {
    args: ["--service", "aws_sqs_cloudtrail_kinesis"],
    tags: { [ct("logs")]: 3, [ct("health")]: 1 },
  },
  "cloudwatch_logs_subscription/aws-lambda-go_cloudwatch-logs-event.json": {
    excluded: "Lambda event envelope (awslogs.data), not an S3 object",
  },
  "cloudwatch_logs_subscription/powertools_cloudWatchLogEvent.json": {
    excluded: "Lambda event envelope (awslogs.data), not an S3 object",
  },
  "cloudwatch_logs_subscription/powertools_cloudWatchLogEventWithPolicyLevel.json": {
    excluded: "Lambda event envelope (awslogs.data), not an S3 object",
  },
  "cloudwatch_logs_subscription/aws-lambda-go_kinesis-firehose-event.json": {
    excluded: "Firehose transformation-Lambda event, not an S3 object",
  },
  "cloudwatch_logs_subscription/powertools_kinesisFirehosePutEvent.json": {
    excluded: "Firehose transformation-Lambda event, not an S3 object",
  },
  "cloudwatch_logs_subscription/powertools_kinesisFirehoseKinesisEvent.json": {
    excluded: "Firehose transformation-Lambda event, not an S3 object",
  },
  "cloudwatch_logs_subscription/powertools_kinesisFirehoseSQSEvent.json": {
    excluded: "Firehose transformation-Lambda event, not an S3 object",
  },
  "cloudwatch_logs_subscription/powertools_kinesisStreamCloudWatchLogsEvent.json": {
    excluded: "Lambda Kinesis event envelope, not an S3 object",
  },

  "config/awsdocs_config_snapshot_example.json": {
    args: ["--service", "aws_sqs_config"],
    tags: { "cloud.aws.configlogs.events": 2 },
  },
  "config/aws-lambda-go_config-event.json": {
    excluded: "Config rule invocation event (Lambda), not a delivered Config file",
  },
  "config/awsdocs_config_snapshot_delivery_sns_notification.json": {
    excluded: "SNS delivery notification: the pipeline's notification decoder reads it",
  },

  // EventBridge events arrive as queue message bodies: one file = one message.
  "eventbridge/aws-lambda-go_ecr-image-scan-event.json": eventBridge("ecr"),
  "eventbridge/aws-lambda-go_codebuild-state-change.json": eventBridge("codebuild"),
  "eventbridge/powertools_eventBridgeEvent.json": eventBridge("ec2"),
  "eventbridge/DERIVED_eventbridge_guardduty_finding.json": eventBridge("guardduty"),
  // A bare ASFF finding (no EventBridge envelope): read as a custom_service single JSON object.
  "securityhub/elastic_test-securityhub-findings_line3_ASFF.json": {
    args: [
      "--service",
      "custom_service",
      "--options",
      '{"file_format":"single_json_object_processor","routing_template":"cloud.aws.securityhub.findings"}',
    ],
    tags: { "cloud.aws.securityhub.findings": 1 },
  },
};

const NOTIFICATIONS = "S3/SNS/EventBridge notification or Lambda envelope: decoded by the queue source, not an object";

function corpusFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name !== "MANIFEST.md") files.push(relative(SAMPLES, path));
    }
  };
  walk(SAMPLES);
  return files.sort();
}

const present = existsSync(SAMPLES);
if (!present && process.env.CI === "true") {
  throw new Error(`sample corpus missing: ${SAMPLES} must exist in CI (shared/ beside the clone)`);
}

describe("parse over the shared sample corpus", {
  skip: present ? false : `no sample corpus at ${SAMPLES} (runs in CI)`,
}, () => {
  it("knows every file of the corpus: an expectation or a reason to leave it out", () => {
    const unknown = corpusFiles().filter((file) => !(file in CORPUS) && !file.startsWith("s3_event_notification/"));
    assert.deepEqual(unknown, [], "new samples need an entry in CORPUS");
    const missing = Object.keys(CORPUS).filter((file) => !existsSync(join(SAMPLES, file)));
    assert.deepEqual(missing, [], "CORPUS names files that are gone");
  });

  for (const file of present ? corpusFiles() : []) {
    const expectation = CORPUS[file];
    if (!expectation || "excluded" in expectation) {
      it(`${file} — not read: ${expectation ? expectation.excluded : NOTIFICATIONS}`, () => {});
      continue;
    }
    it(`${file} → ${Object.keys(expectation.tags).join(", ") || "no events"}`, async () => {
      const run = captureIo();
      const code = await runParseCommand([...expectation.args, join(SAMPLES, file)], run.io);
      assert.equal(code, 0, run.err());
      const counts: Record<string, number> = {};
      for (const line of run.out().split("\n")) {
        if (line === "") continue;
        const event = JSON.parse(line) as { tag: string; message: string };
        assert.ok(!event.message.includes("\n"));
        counts[event.tag] = (counts[event.tag] ?? 0) + 1;
      }
      assert.deepEqual(counts, expectation.tags);
      const skipped = /(\d+) skipped/.exec(run.err());
      assert.equal(skipped ? Number(skipped[1]) : 0, expectation.skipped ?? 0, run.err());
      if (expectation.notEvents) assert.match(run.err(), expectation.notEvents);
    });
  }
});
