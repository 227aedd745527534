import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import { useCloudTrailFieldReader } from "../../worker/formats/cloudtrail.ts";
import { useJsonFieldReader } from "../../worker/formats/json-records-format.ts";
import { useSimdStringSearch } from "../../worker/formats/json-splitter.ts";
import { measureParseThroughput } from "../../worker/formats/parse-throughput.ts";
import {
  albLog,
  cloudWatchSubscriptionLog,
  elbLog,
  type GeneratedLog,
  route53ResolverLog,
  s3AccessLog,
  vpcFlowLog,
  wafLog,
} from "../fixtures/access-log-generators.ts";
import { cloudTrailFileBody, generateCloudTrailFile } from "../fixtures/cloudtrail-generator.ts";

/**
 * Fields read while framing (CloudTrail's and the other JSON formats') and strings searched by SIMD: on, as the
 * worker reads now; off, as it read before issue 21's point 3 (every record parsed with JSON.parse, strings scanned by
 * a JavaScript byte loop).
 */
export function readJsonAsNow(on: boolean): void {
  useCloudTrailFieldReader(on);
  useJsonFieldReader(on);
  useSimdStringSearch(on);
}

/** One format of the per-format table: a service of the catalog and a generated file of its data. */
interface FormatCase {
  format: string;
  service: string;
  key: string;
  make(count: number): GeneratedLog;
  /** Events per generated file, chosen so each file is roughly the same size (~16 MB of text). */
  count: number;
  /**
   * The way the worker read JSON before issue 21's point 3: every record parsed with JSON.parse, strings scanned by a
   * JavaScript byte loop. Default: as the worker reads now (fields read while framing, SIMD string search).
   */
  before?: boolean;
}

const CLOUDTRAIL: FormatCase = {
  format: "CloudTrail (json records)",
  service: "aws_sqs_cloudtrail",
  key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/22/123456789012_CloudTrail_us-east-1_20261122T0000Z_bench.json.gz",
  make: (count) => {
    const file = generateCloudTrailFile({ seed: 7001, records: count });
    return { text: cloudTrailFileBody(file), events: count };
  },
  count: 14_000,
};

const CASES: FormatCase[] = [
  CLOUDTRAIL,
  // The same data read as before point 3, to compare the two on the same records in the same process.
  { ...CLOUDTRAIL, format: "CloudTrail, before: JSON.parse of every record, JavaScript string scan", before: true },
  {
    format: "VPC Flow Logs (lines, header)",
    service: "aws_sqs_vpc",
    key: "vpc/flow.log.gz",
    make: vpcFlowLog,
    count: 160_000,
  },
  { format: "ALB access (lines)", service: "aws_sqs_alb", key: "alb/access.log.gz", make: albLog, count: 33_000 },
  {
    format: "Classic ELB access (lines)",
    service: "aws_sqs_elb",
    key: "elb/access.log.gz",
    make: elbLog,
    count: 60_000,
  },
  {
    format: "S3 server access (lines)",
    service: "aws_sqs_s3_access",
    key: "s3/access.log",
    make: s3AccessLog,
    count: 40_000,
  },
  { format: "WAF (ndjson)", service: "aws_sqs_waf", key: "waf/waf.log.gz", make: wafLog, count: 16_000 },
  {
    format: "WAF, before: JSON.parse of every record, JavaScript string scan",
    service: "aws_sqs_waf",
    key: "waf/waf.log.gz",
    make: wafLog,
    count: 16_000,
    before: true,
  },
  {
    format: "Route 53 Resolver (ndjson)",
    service: "aws_sqs_route53",
    key: "route53/resolver.log.gz",
    make: route53ResolverLog,
    count: 45_000,
  },
  {
    format: "Route 53 Resolver, before: read as lines, JSON.parse of every line",
    service: "aws_sqs_route53",
    key: "route53/resolver.log.gz",
    make: route53ResolverLog,
    count: 45_000,
    before: true,
  },
  {
    format: "CloudWatch Logs via Firehose (concatenated)",
    service: "aws_sqs_cloudwatch_vpc",
    key: "firehose/cwl.gz",
    make: cloudWatchSubscriptionLog,
    count: 110_000,
  },
];

export interface FormatFigure {
  format: string;
  service: string;
  events: number;
  expectedEvents: number;
  /** Uncompressed megabytes (10^6) of log data per second, decompression included. */
  mbPerSecond: number;
  eventsPerSecond: number;
}

/**
 * Parse throughput of each format on one thread, as the worker reads objects: gzip, framing, parser, batches
 * (no queue, no network, no output). Best of `passes`, so a cold JIT or a noisy neighbour does not decide it.
 */
export async function measurePerFormat(passes = 3): Promise<FormatFigure[]> {
  const figures: FormatFigure[] = [];
  for (const c of CASES) {
    const generated = c.make(c.count);
    const plain = Buffer.from(generated.text);
    const object = gzipSync(plain);
    let best = Number.POSITIVE_INFINITY;
    let events = 0;
    readJsonAsNow(c.before !== true);
    try {
      for (let pass = 0; pass < passes; pass++) {
        const result = await measureParseThroughput(c.service, object, { key: c.key });
        best = Math.min(best, result.seconds);
        events = result.events;
      }
    } finally {
      readJsonAsNow(true);
    }
    figures.push({
      format: c.format,
      service: c.service,
      events,
      expectedEvents: generated.events,
      mbPerSecond: plain.byteLength / 1e6 / best,
      eventsPerSecond: events / best,
    });
  }
  return figures;
}
