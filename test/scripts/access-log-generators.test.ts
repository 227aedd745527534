import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  albLog,
  cloudWatchSubscriptionLog,
  elbLog,
  type GeneratedLog,
  route53ResolverLog,
  s3AccessLog,
  vpcFlowLog,
  wafLog,
} from "../../scripts/fixtures/access-log-generators.ts";
import { read } from "../worker/formats/read-helpers.ts";

/**
 * The benchmark's per-format figures and its VPC/ALB datasets are only worth something if the worker reads
 * every generated line as an event of the right table, skipping nothing.
 */
const CASES: { name: string; service: string; make: (count: number) => GeneratedLog; tag: string; raw: boolean }[] = [
  { name: "VPC Flow Logs", service: "aws_sqs_vpc", make: vpcFlowLog, tag: "cloud.aws.vpc.flow", raw: true },
  { name: "ALB", service: "aws_sqs_alb", make: albLog, tag: "web.aws.alb.access", raw: true },
  { name: "Classic ELB", service: "aws_sqs_elb", make: elbLog, tag: "web.aws.elb.access", raw: true },
  { name: "S3 server access", service: "aws_sqs_s3_access", make: s3AccessLog, tag: "web.aws.s3.access", raw: true },
  { name: "WAF", service: "aws_sqs_waf", make: wafLog, tag: "cloud.aws.waf.logs", raw: true },
  {
    name: "Route 53 Resolver",
    service: "aws_sqs_route53",
    make: route53ResolverLog,
    tag: "dns.aws.route53",
    raw: true,
  },
  {
    name: "CloudWatch Logs via Firehose",
    service: "aws_sqs_cloudwatch_vpc",
    make: cloudWatchSubscriptionLog,
    tag: "cloud.aws.vpc.flow",
    raw: false,
  },
];

describe("generated logs of the benchmark", () => {
  for (const c of CASES) {
    it(`${c.name}: every generated record is one ${c.tag} event, nothing skipped`, async () => {
      const log = c.make(500);
      const result = await read(c.service, log.text, { chunkSize: 997 });
      assert.equal(result.events.length, log.events);
      assert.equal(result.stats.skipped, 0, JSON.stringify(result.stats.skipReasons));
      for (const event of result.events) assert.equal(event.tag, c.tag);
      if (c.raw) {
        // Line formats keep the line as the message (the VPC header line is not an event).
        const lines = log.text.split("\n").filter((line) => line !== "" && !line.startsWith("version "));
        assert.deepEqual(
          result.events.map((event) => event.message),
          lines,
        );
      }
      assert.ok(result.events.every((event) => event.time instanceof Date && !Number.isNaN(event.time.getTime())));
    });
  }

  it("is the same for the same seed and differs for another", () => {
    assert.equal(albLog(50, 9).text, albLog(50, 9).text);
    assert.notEqual(albLog(50, 9).text, albLog(50, 10).text);
  });
});
