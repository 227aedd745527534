import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { read, tags } from "./read-helpers.ts";

// Lines written from each service's documented field list (ALB, Classic ELB, S3 server access, Route 53, CloudFront).
const ALB =
  'https 2024-03-01T10:00:00.123456Z app/web-alb/50dc6c495c0c9188 198.51.100.7:52311 10.0.1.12:443 0.001 0.012 0.000 200 200 412 1024 "GET https://shop.example.com:443/cart HTTP/2.0" "Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/73e2d6bc24d8a067 "Root=1-65e1a800-0123456789abcdef01234567" "shop.example.com" "arn:aws:acm:eu-west-1:111122223333:certificate/abc" 0 2024-03-01T10:00:00.110000Z "forward" "-" "-" "10.0.1.12:443" "200" "-" "-" TID_1234';
const ELB =
  '2024-03-01T10:00:01.000001Z classic-web 198.51.100.8:40000 10.0.1.13:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://shop.example.com:80/ HTTP/1.1" "curl/8.5.0" - -';
const NLB =
  "tls 2.0 2024-03-01T10:00:02 net/tls-nlb/2a3b4c5d6e7f8a9b 0a1b2c3d4e5f6a7b 198.51.100.9:51000 10.0.1.14:443 5 2 98 246 - arn:aws:acm:eu-west-1:111122223333:certificate/abc - ECDHE-RSA-AES128-SHA tlsv12 - shop.example.com - - - 2024-03-01T09:59:59";
const S3 =
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be logs-bucket [01/Mar/2024:10:00:03 +0000] 198.51.100.10 arn:aws:iam::111122223333:user/alice 3E57427F3EXAMPLE REST.GET.OBJECT reports/q1.csv "GET /logs-bucket/reports/q1.csv HTTP/1.1" 200 - 2662992 2662992 70 10 "-" "aws-cli/2.15.0" - Ox1bDnrEXAMPLE= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader logs-bucket.s3.eu-west-1.amazonaws.com TLSv1.2 - -';

describe("aws_sqs_alb / aws_sqs_elb / aws_sqs_s3_access", () => {
  it("send each access-log line as written, with its time", async () => {
    const alb = await read("aws_sqs_alb", zlib.gzipSync(`${ALB}\n${ALB}\n`));
    assert.deepEqual(tags(alb.events), ["web.aws.alb.access", "web.aws.alb.access"]);
    assert.equal(alb.events[0].message, ALB);
    assert.equal(alb.events[0].time?.toISOString(), "2024-03-01T10:00:00.123Z");

    const elb = await read("aws_sqs_elb", `${ELB}\r\n${NLB}\r\n`);
    assert.deepEqual(tags(elb.events), ["web.aws.elb.access", "web.aws.elb.access"]);
    assert.equal(elb.events[0].time?.toISOString(), "2024-03-01T10:00:01.000Z");
    assert.equal(elb.events[1].time?.toISOString(), "2024-03-01T10:00:02.000Z");

    const s3 = await read("aws_sqs_s3_access", `${S3}\n\n`);
    assert.deepEqual(tags(s3.events), ["web.aws.s3.access"]);
    assert.equal(s3.events[0].message, S3);
    assert.equal(s3.events[0].time?.toISOString(), "2024-03-01T10:00:03.000Z");
  });
});

describe("aws_sqs_route53", () => {
  const resolver = {
    version: "1.100000",
    account_id: "111122223333",
    region: "eu-west-1",
    vpc_id: "vpc-0abc",
    query_timestamp: "2024-03-01T10:00:04Z",
    query_name: "shop.example.com.",
    query_type: "A",
    query_class: "IN",
    rcode: "NOERROR",
    answers: [{ Rdata: "203.0.113.10", Type: "A", Class: "IN" }],
    srcaddr: "10.0.1.12",
    srcport: "53000",
    transport: "UDP",
    srcids: { instance: "i-0abc" },
  };
  const publicLine =
    "1.0 2024-03-01T10:00:05.000Z Z0123456789ABC shop.example.com AAAA NOERROR UDP FRA56-C1 198.51.100.11 -";

  it("reads Resolver query logs (NDJSON): each record compacted, with its query_timestamp", async () => {
    const escaped = { ...resolver, query_name: "caf\u00e9.example.", query_timestamp: "2024-03-01T10:00:06Z" };
    const text = `\ufeff  ${JSON.stringify(resolver, null, 0)}\n{"broken":\n${JSON.stringify(escaped)}\r\n`;
    for (const chunkSize of [1, 7, 64 * 1024]) {
      const { events, stats } = await read("aws_sqs_route53", text, { chunkSize });
      assert.deepEqual(tags(events), ["dns.aws.route53", "dns.aws.route53"]);
      assert.equal(events[0].message, JSON.stringify(resolver));
      assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:04.000Z");
      assert.equal(events[1].message, JSON.stringify(escaped));
      assert.equal(events[1].time?.toISOString(), "2024-03-01T10:00:06.000Z");
      assert.deepEqual(stats.skipReasons, { "unterminated record (the next line starts a new one)": 1 });
    }
  });

  it("reads public hosted-zone query logs (text lines) with the time of their second field", async () => {
    const { events, stats } = await read("aws_sqs_route53", `${publicLine}\n{"broken":\n`);
    assert.deepEqual(tags(events), ["dns.aws.route53"]);
    assert.equal(events[0].message, publicLine);
    assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:05.000Z");
    assert.deepEqual(stats.skipReasons, { "invalid JSON": 1 });
  });

  it("frames an object by its first byte: a text line in a Resolver object is counted, not sent as DNS", async () => {
    const { events, stats } = await read("aws_sqs_route53", `${JSON.stringify(resolver)}\n${publicLine}\n`);
    assert.deepEqual(
      events.map((event) => event.message),
      [JSON.stringify(resolver)],
    );
    assert.deepEqual(stats.skipReasons, { "invalid JSON between records": 1 });
  });
});

describe("non-cloudwatch-logs (cloudfrontlogs)", () => {
  const fields =
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query";
  const record = [
    "2024-03-01",
    "10:00:06",
    "FRA56-C1",
    "1024",
    "198.51.100.12",
    "GET",
    "d111111abcdef8.cloudfront.net",
    "/index.html",
    "200",
    "-",
    "Mozilla/5.0",
    "-",
  ].join("\t");

  it("skips #Version and #Fields lines and keeps each record line as written", async () => {
    const text = `#Version: 1.0\n#Fields: ${fields}\n${record}\n`;
    const { events, stats } = await read("non-cloudwatch-logs", zlib.gzipSync(text), {
      key: "cf/EMLARXS9EXAMPLE.2024-03-01-10.a1b2c3d4.gz",
    });
    assert.deepEqual(tags(events), ["cloud.aws.cloudfront.unknown"]);
    assert.equal(events[0].message, record);
    assert.equal(events[0].time?.toISOString(), "2024-03-01T10:00:06.000Z");
    assert.deepEqual(stats.ignored, { "W3C directive line (#Version, #Fields)": 2 });
  });

  it("reads standard logging v2 JSON lines, and obeys --type for files without a header", async () => {
    const json = { date: "2024-03-01", time: "10:00:07", "x-edge-location": "FRA56-C1", "sc-status": "200" };
    const v2 = await read("non-cloudwatch-logs", `${JSON.stringify(json, null, 1).replaceAll("\n", "")}\n`);
    assert.deepEqual(tags(v2.events), ["cloud.aws.cloudfront.unknown"]);
    assert.equal(v2.events[0].message, JSON.stringify(json));
    const headless = await read("non-cloudwatch-logs", `${record}\n`, { type: "cloudfrontlogs" });
    assert.deepEqual(tags(headless.events), ["cloud.aws.cloudfront.unknown"]);
    const auto = await read("non-cloudwatch-logs", `${record}\n`, {
      type: "cloudfrontlogs",
      options: { auto_event_type: true },
    });
    assert.deepEqual(tags(auto.events), ["cloud.aws.cloudfront.access"]);
  });
});
