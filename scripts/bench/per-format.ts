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
import { median } from "./latency.ts";

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
   * The row of the same data read as the worker read JSON before issue 21's point 3 (every record parsed with
   * JSON.parse, strings scanned by a JavaScript byte loop), measured in passes alternating with this one's.
   */
  before?: string;
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
  { ...CLOUDTRAIL, before: "CloudTrail, before: JSON.parse of every record, JavaScript string scan" },
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
  {
    format: "WAF (ndjson)",
    service: "aws_sqs_waf",
    key: "waf/waf.log.gz",
    make: wafLog,
    count: 16_000,
    before: "WAF, before: JSON.parse of every record, JavaScript string scan",
  },
  {
    format: "Route 53 Resolver (ndjson)",
    service: "aws_sqs_route53",
    key: "route53/resolver.log.gz",
    make: route53ResolverLog,
    count: 45_000,
    before: "Route 53 Resolver, before: read as lines, JSON.parse of every line",
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
  /**
   * On a row that has a "before" row: how many times faster than before it read, pass against the "before" pass
   * next to it (seconds before over seconds now), and the median of those ratios. Adjacent passes share the
   * machine's speed of the moment, which best-of-N on each side, seconds apart on these drifting cores, does not.
   */
  againstBefore?: { median: number; pairs: number[] };
}

interface Pass {
  seconds: number;
  events: number;
}

/** One pass of reading `object` with the service, as the worker reads JSON now or as it read before. */
async function timedPass(c: FormatCase, object: Uint8Array, now: boolean): Promise<Pass> {
  readJsonAsNow(now);
  try {
    const result = await measureParseThroughput(c.service, object, { key: c.key });
    return { seconds: result.seconds, events: result.events };
  } finally {
    readJsonAsNow(true);
  }
}

function figure(
  format: string,
  c: FormatCase,
  expectedEvents: number,
  plainBytes: number,
  passes: Pass[],
): FormatFigure {
  const best = Math.min(...passes.map((p) => p.seconds));
  // Every pass must have read the same events; NaN fails the bench's check against the events generated.
  const events = passes.every((p) => p.events === passes[0].events) ? passes[0].events : Number.NaN;
  return {
    format,
    service: c.service,
    events,
    expectedEvents,
    mbPerSecond: plainBytes / 1e6 / best,
    eventsPerSecond: events / best,
  };
}

/**
 * Parse throughput of each format on one thread, as the worker reads objects: gzip, framing, parser, batches
 * (no queue, no network, no output). Best of `passes`, so a cold JIT or a noisy neighbour does not decide it. A
 * format with a "before" row is read `pairedPasses` times each way, now and before in turn.
 */
export async function measurePerFormat(passes = 3, pairedPasses = 6): Promise<FormatFigure[]> {
  const figures: FormatFigure[] = [];
  for (const c of CASES) {
    const generated = c.make(c.count);
    const plain = Buffer.from(generated.text);
    const object = gzipSync(plain);
    if (c.before === undefined) {
      const runs: Pass[] = [];
      for (let pass = 0; pass < passes; pass++) runs.push(await timedPass(c, object, true));
      figures.push(figure(c.format, c, generated.events, plain.byteLength, runs));
      continue;
    }
    const now: Pass[] = [];
    const before: Pass[] = [];
    for (let pass = 0; pass < pairedPasses; pass++) {
      now.push(await timedPass(c, object, true));
      before.push(await timedPass(c, object, false));
    }
    const pairs = now.map((run, i) => before[i].seconds / run.seconds);
    figures.push({
      ...figure(c.format, c, generated.events, plain.byteLength, now),
      againstBefore: { median: median(pairs), pairs },
    });
    figures.push(figure(c.before, c, generated.events, plain.byteLength, before));
  }
  return figures;
}
