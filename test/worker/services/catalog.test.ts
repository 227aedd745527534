import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findService, SERVICES } from "../../../worker/services/catalog.ts";

// DESIGN §5: every service name of Devo's SQS collector and AWS collector, so existing configs keep working.
const SQS_SERVICES = [
  "aws_sqs_cloudtrail",
  "aws_sqs_cloudtrail_kinesis",
  "aws_sqs_vpc",
  "aws_sqs_cloudwatch_vpc",
  "aws_sqs_cloudwatch",
  "aws_sqs_elb",
  "aws_sqs_alb",
  "aws_sqs_waf",
  "aws_sqs_guard_duty",
  "aws_sqs_guard_duty_kinesis",
  "aws_sqs_config",
  "aws_sqs_route53",
  "aws_sqs_s3_access",
  "aws_sqs_os",
  "aws_sqs_cloudflare_logpush",
  "aws_sqs_cloudflare_audit",
  "aws_sqs_cisco_umbrella",
  "aws_sqs_fdr",
  "aws_sqs_fdr_large",
  "aws_sqs_incapsula",
  "aws_sqs_lacework",
  "aws_sqs_palo_alto",
  "aws_sqs_s1_funnel",
  "aws_sqs_control_tower",
  "custom_service",
];
const AWS_SERVICES = [
  "service-events-all",
  "sqs-cloudwatch-consumer",
  "audit-events-all",
  "metrics-all",
  "non-cloudwatch-logs",
  "custom_service",
];

describe("service catalog", () => {
  it("holds every service of both collectors, once per input type", () => {
    assert.deepEqual(
      SERVICES.filter((s) => s.input === "sqs_collector")
        .map((s) => s.name)
        .sort(),
      [...SQS_SERVICES].sort(),
    );
    assert.deepEqual(
      SERVICES.filter((s) => s.input === "aws")
        .map((s) => s.name)
        .sort(),
      [...AWS_SERVICES].sort(),
    );
  });

  it("tells the pipeline how to read each service", () => {
    for (const service of SERVICES) {
      if (service.source === "sqs-objects") {
        assert.ok(service.objectFormat, `${service.name} reads objects`);
        assert.ok(service.notifications === "s3" || service.notifications === "fdr", service.name);
      }
      if (service.source === "sqs-events") assert.ok(service.inlineEvents, `${service.name} reads messages`);
      assert.ok(service.table.length > 0 && service.framing.length > 0, service.name);
    }
    assert.equal(findService("aws_sqs_fdr")?.notifications, "fdr");
    assert.equal(findService("aws_sqs_fdr_large")?.notifications, "fdr");
    assert.equal(findService("aws_sqs_cloudtrail")?.notifications, "s3");
    assert.deepEqual(findService("audit-events-all")?.modules, [
      { type: "audits_api", source: "cloudtrail-api" },
      { type: "audits_s3", source: "sqs-objects" },
    ]);
  });

  it("finds the two custom_services by input type, the SQS one by default", () => {
    assert.equal(findService("custom_service")?.input, "sqs_collector");
    assert.equal(findService("custom_service", "aws")?.source, "cloudwatch-logs");
    assert.equal(findService("aws_sqs_nothing"), undefined);
    assert.equal(findService("aws_sqs_vpc", "aws"), undefined);
  });

  it("accepts the options common to SQS services on every SQS service, and rejects unknown keys", () => {
    const common = {
      regions: ["eu-west-1"],
      routing_template: "my.tag",
      encoding: "gzip",
      drop_event_names: ["ConsoleLogin"],
      s3_file_type_filter: ["CloudTrail"],
      use_region_and_account_id_from_event: true,
      auto_event_type: true,
      filename_filter_rules: [[{ type: "match", pattern: "CloudTrail-Digest" }]],
    };
    for (const service of SERVICES.filter((s) => s.input === "sqs_collector")) {
      const extra = service.name === "custom_service" ? { file_format: "separated_json_processor" } : {};
      const ok = service.options.safeParse({ ...common, ...extra });
      assert.ok(ok.success, `${service.name}: ${ok.success ? "" : ok.error.message}`);
      const bad = service.options.safeParse({ ...extra, routing_template: "x", colour: "red" });
      assert.ok(!bad.success, `${service.name} must reject an unknown key`);
      assert.deepEqual(bad.error.issues[0].code, "unrecognized_keys");
    }
  });

  it("types the options: wrong types fail with the option's path", () => {
    const result = findService("aws_sqs_cloudtrail")?.options.safeParse({ drop_event_names: "ConsoleLogin" });
    assert.ok(result && !result.success);
    assert.deepEqual(result.error.issues[0].path, ["drop_event_names"]);
    const defaults = findService("aws_sqs_cloudtrail")?.options.parse({});
    assert.deepEqual(defaults, {
      drop_event_names: [],
      use_region_and_account_id_from_event: false,
      auto_event_type: false,
    });
    const nonCloudWatch = findService("non-cloudwatch-logs")?.options.safeParse({ types: ["flowlogs", "elb"] });
    assert.ok(nonCloudWatch && !nonCloudWatch.success);
  });
});
