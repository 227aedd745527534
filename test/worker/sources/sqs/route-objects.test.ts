import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateConfig } from "../../../../worker/config/load-config.ts";
import { planQueues } from "../../../../worker/pipeline/queue-plan.ts";
import { findService } from "../../../../worker/services/catalog.ts";
import { newParseStats } from "../../../../worker/services/service-definition.ts";
import { type QueueService, routeInlineEvent, routeObject } from "../../../../worker/sources/sqs/route-objects.ts";

function service(name: string, options: Record<string, unknown> = {}, input?: "aws" | "sqs_collector"): QueueService {
  const definition = findService(name, input);
  if (definition === undefined) throw new Error(name);
  return { definition, options: definition.options.parse(options) };
}

const at = (key: string) => ({ bucket: "b", key, stats: newParseStats() });
const routedTo = (services: QueueService[], key: string) => {
  const route = routeObject(services, at(key));
  return route.kind === "service" ? route.service.definition.name : route.kind;
};

const A = "111122223333";
const KEYS = {
  trail: `AWSLogs/${A}/CloudTrail/eu-west-1/2026/12/02/${A}_CloudTrail_eu-west-1_20261202T1000Z_a.json.gz`,
  orgTrail: `org/AWSLogs/o-abc123defg/${A}/CloudTrail/eu-west-1/2026/12/02/f.json.gz`,
  digest: `AWSLogs/${A}/CloudTrail-Digest/eu-west-1/2026/12/02/d.json.gz`,
  flow: `AWSLogs/${A}/vpcflowlogs/eu-west-1/2026/12/02/${A}_vpcflowlogs_eu-west-1_fl-1_x.log.gz`,
  hiveFlow: `flows/AWSLogs/aws-account-id=${A}/aws-service=vpcflowlogs/aws-region=eu-west-1/f.log.gz`,
  alb: `AWSLogs/${A}/elasticloadbalancing/eu-west-1/2026/12/02/${A}_elasticloadbalancing_eu-west-1_app.web.50dc6c495c0c9188_20261202T1000Z_10.0.0.1_x.log.gz`,
  elb: `AWSLogs/${A}/elasticloadbalancing/eu-west-1/2026/12/02/${A}_elasticloadbalancing_eu-west-1_web_20261202T1000Z_10.0.0.1_x.log`,
  s3Access: "s3-access/2026-12-02-10-00-05-1A2B3C4D5E6F7A8B",
  cloudFront: "cdn/E2EXAMPLE1234.2026-12-02-10.a1b2c3d4.gz",
  other: "exports/app/2026/12/02/events.json.gz",
};

describe("routing objects on a shared queue", () => {
  it("a queue with one service gives it every key, as Devo's collector does", () => {
    assert.equal(routedTo([service("aws_sqs_vpc")], KEYS.trail), "aws_sqs_vpc");
  });

  it("AWS key layouts send each object to its own service", () => {
    const services = [
      service("aws_sqs_cloudtrail"),
      service("aws_sqs_vpc"),
      service("aws_sqs_alb"),
      service("aws_sqs_elb"),
      service("aws_sqs_s3_access"),
    ];
    assert.equal(routedTo(services, KEYS.trail), "aws_sqs_cloudtrail");
    assert.equal(routedTo(services, KEYS.orgTrail), "aws_sqs_cloudtrail");
    assert.equal(routedTo(services, KEYS.digest), "aws_sqs_cloudtrail", "its own service ignores digests");
    assert.equal(routedTo(services, KEYS.flow), "aws_sqs_vpc");
    assert.equal(routedTo(services, KEYS.hiveFlow), "aws_sqs_vpc");
    assert.equal(routedTo(services, KEYS.alb), "aws_sqs_alb");
    assert.equal(routedTo(services, KEYS.elb), "aws_sqs_elb");
    assert.equal(routedTo(services, KEYS.s3Access), "aws_sqs_s3_access");
    assert.equal(routedTo(services, KEYS.other), "unclaimed", "nobody's layout, no service for any layout");
  });

  it("a key of no known layout goes to the one service that reads any key", () => {
    const services = [service("aws_sqs_cloudtrail"), service("aws_sqs_cloudflare_logpush")];
    assert.equal(routedTo(services, KEYS.other), "aws_sqs_cloudflare_logpush");
    assert.equal(routedTo(services, KEYS.trail), "aws_sqs_cloudtrail");
  });

  it("two services that both read any key leave an object unclaimed unless a filter tells them apart", () => {
    const both = [service("aws_sqs_cloudflare_logpush"), service("aws_sqs_waf")];
    const waf = `AWSLogs/${A}/WAFLogs/eu-west-1/acl/2026/12/02/x.log.gz`;
    assert.equal(routedTo(both, waf), "aws_sqs_waf");
    assert.equal(routedTo(both, KEYS.other), "aws_sqs_cloudflare_logpush");
    const generic = [
      service("aws_sqs_cloudflare_logpush"),
      service("aws_sqs_cloudflare_audit", { s3_file_type_filter: "^audit/" }),
    ];
    assert.equal(routedTo(generic, "audit/2026/x.json"), "unclaimed", "both admit it and neither owns it");
    const filtered = [
      service("aws_sqs_cloudflare_logpush", { filename_filter_rules: [[{ type: "match", pattern: "^audit/" }]] }),
      service("aws_sqs_cloudflare_audit", { s3_file_type_filter: "^audit/" }),
    ];
    assert.equal(routedTo(filtered, "audit/2026/x.json"), "aws_sqs_cloudflare_audit");
    assert.equal(routedTo(filtered, "http/2026/x.json"), "aws_sqs_cloudflare_logpush");
  });

  it("an object every service's filters leave out is ignored, with each reason", () => {
    const services = [
      service("aws_sqs_cloudtrail", { s3_file_type_filter: "/CloudTrail/" }),
      service("aws_sqs_vpc", { filename_filter_rules: [[{ type: "match", pattern: "CloudTrail" }]] }),
    ];
    const route = routeObject(services, at(KEYS.digest));
    assert.equal(route.kind, "ignored");
    assert.match(
      route.kind === "ignored" ? route.reason : "",
      /aws_sqs_cloudtrail: key filtered by s3_file_type_filter/,
    );
  });

  it("non-cloudwatch-logs owns flow-log and CloudFront keys of the modules in its types", () => {
    const both = [service("non-cloudwatch-logs", {}, "aws"), service("aws_sqs_cloudtrail")];
    assert.equal(routedTo(both, KEYS.cloudFront), "non-cloudwatch-logs");
    assert.equal(routedTo(both, KEYS.flow), "non-cloudwatch-logs");
    const flowOnly = [service("non-cloudwatch-logs", { types: ["flowlogs"] }, "aws"), service("aws_sqs_cloudtrail")];
    assert.equal(routedTo(flowOnly, KEYS.cloudFront), "unclaimed");
  });

  it("Security Hub findings go to sqs-cloudwatch-consumer, other events to service-events-all", () => {
    const services = [service("service-events-all", {}, "aws"), service("sqs-cloudwatch-consumer", {}, "aws")];
    assert.equal(routeInlineEvent(services, { source: "aws.securityhub" })?.definition.name, "sqs-cloudwatch-consumer");
    assert.equal(routeInlineEvent(services, { source: "aws.ec2" })?.definition.name, "service-events-all");
    assert.equal(routeInlineEvent([services[1]], { source: "aws.ec2" })?.definition.name, "sqs-cloudwatch-consumer");
  });
});

describe("planning the queues of a configuration", () => {
  const input = (services: Record<string, unknown>) =>
    validateConfig({
      outputs: { out: { type: "console" } },
      inputs: {
        sqs_collector: { base_url: "https://sqs.eu-west-1.amazonaws.com/111122223333/logs", services },
      },
    }).inputs;

  it("one reader per queue, with every service that reads it", () => {
    const problems: string[] = [];
    const queues = planQueues(input({ aws_sqs_cloudtrail: {}, aws_sqs_vpc: {} }), problems);
    assert.deepEqual(problems, []);
    assert.equal(queues.length, 1);
    assert.deepEqual(
      queues[0].services.map((s) => s.definition.name),
      ["aws_sqs_cloudtrail", "aws_sqs_vpc"],
    );
  });

  it("refuses two services on one queue that both read any key with no filter", () => {
    const problems: string[] = [];
    planQueues(input({ aws_sqs_cloudflare_logpush: {}, aws_sqs_cloudflare_audit: {} }), problems);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /aws_sqs_cloudflare_logpush and aws_sqs_cloudflare_audit, which both read objects of any key/,
    );
  });

  it("refuses regions on an SQS collector service that differ from its queue's", () => {
    const problems: string[] = [];
    planQueues(input({ aws_sqs_cloudtrail: { regions: ["eu-west-1", "us-east-1"] } }), problems);
    assert.match(problems[0] ?? "", /aws_sqs_cloudtrail\.regions: this service reads the queue .* in eu-west-1/);
    const same: string[] = [];
    planQueues(input({ aws_sqs_cloudtrail: { regions: ["eu-west-1"] } }), same);
    assert.deepEqual(same, []);
  });

  it("non-cloudwatch-logs with both modules on one queue name has one reader that tells them apart per object", () => {
    const inputs = validateConfig({
      outputs: { out: { type: "console" } },
      inputs: {
        aws: {
          services: {
            "non-cloudwatch-logs": {
              regions: ["eu-west-1", "us-east-1"],
              vpcflowlogs_sqs_queue_name: "logs",
              cloudfrontlogs_sqs_queue_name: "logs",
            },
          },
        },
      },
    }).inputs;
    const problems: string[] = [];
    const queues = planQueues(inputs, problems);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      queues.map((q) => [q.region, "name" in q.ref ? q.ref.name : "", q.services[0].module]),
      [
        ["eu-west-1", "logs", undefined],
        ["us-east-1", "logs", undefined],
      ],
    );
  });
});
