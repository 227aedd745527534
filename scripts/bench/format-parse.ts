import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import { useCloudTrailFieldReader } from "../../worker/formats/cloudtrail.ts";
import { useJsonFieldReader } from "../../worker/formats/json-records-format.ts";
import { useSimdStringSearch } from "../../worker/formats/json-splitter.ts";
import { measureParseThroughput } from "../../worker/formats/parse-throughput.ts";
import { route53ResolverLog, wafLog } from "../fixtures/access-log-generators.ts";
import { cloudTrailFileBody, generateCloudTrailFile } from "../fixtures/cloudtrail-generator.ts";
import { readJsonAsNow } from "./per-format.ts";

/**
 * Parse throughput of CloudTrail (or, with `--waf`, WAF's NDJSON; with `--route53`, Route 53 Resolver's) on one thread, as `per-format.ts` measures it
 * (gzip, framing, parser, batches), on its own so that it can run under callgrind:
 *
 *   node scripts/bench/format-parse.ts <records> <passes> [--waf | --route53] [--no-parse] [--full-parse] [--no-simd] [--before]
 *
 * prints one JSON line (events, MB of text, seconds per pass). With `--no-parse` the same data is generated and
 * compressed but not read; with `--full-parse` every record is parsed with JSON.parse, else its fields are read
 * while framing (the worker's default); `--no-simd` scans strings with the JavaScript loop instead of WebAssembly
 * SIMD; `--before` is both, the way the worker read before issue 21's point 3. Under callgrind, the difference of
 * instruction counts between a run and the `--no-parse` one, over the events read, is the instructions per event of
 * reading, net of start-up and data generation; between runs of 2 and 16 passes, the same once V8 has compiled it.
 *
 *   node scripts/bench/format-parse.ts <records> <rounds> [--waf | --route53] --compare
 *
 * alternates a pass as the worker reads now and one as before, `rounds` times, in one process, and prints the MB/s
 * of each pass: the two ways see the same drift of the machine, pass by pass.
 */
function readFieldsWhileFraming(on: boolean): void {
  useCloudTrailFieldReader(on);
  useJsonFieldReader(on);
}

/** The service, an object key of it and the generated text that `--waf`, `--route53` or neither choose. */
function dataset(records: number): { service: string; key: string; text: string } {
  if (process.argv.includes("--waf")) {
    return {
      service: "aws_sqs_waf",
      key: "AWSLogs/123456789012/WAFLogs/us-east-1/acl/2026/11/22/00/aws-waf-logs-bench.log.gz",
      text: wafLog(records).text,
    };
  }
  if (process.argv.includes("--route53")) {
    return {
      service: "aws_sqs_route53",
      key: "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d/2026/11/22/vpc-0a1b2c3d_vpcdnsquerylogs_bench.log.gz",
      text: route53ResolverLog(records).text,
    };
  }
  return {
    service: "aws_sqs_cloudtrail",
    key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/22/123456789012_CloudTrail_us-east-1_20261122T0000Z_bench.json.gz",
    text: cloudTrailFileBody(generateCloudTrailFile({ seed: 7001, records })),
  };
}

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? "14000");
  const passes = Number(process.argv[3] ?? "3");
  const parse = !process.argv.includes("--no-parse");
  const before = process.argv.includes("--before");
  readFieldsWhileFraming(!before && !process.argv.includes("--full-parse"));
  useSimdStringSearch(!before && !process.argv.includes("--no-simd"));
  const { service, key, text } = dataset(records);
  const plain = Buffer.from(text);
  const object = gzipSync(plain);
  if (process.argv.includes("--compare")) {
    const mb = plain.byteLength / 1e6;
    const rates: Record<string, number[]> = { now: [], before: [] };
    for (let round = 0; round < passes; round++) {
      for (const way of round % 2 === 0 ? ["now", "before"] : ["before", "now"]) {
        readJsonAsNow(way === "now");
        const result = await measureParseThroughput(service, object, { key });
        rates[way].push(Math.round((mb / result.seconds) * 10) / 10);
      }
    }
    console.log(JSON.stringify({ mb, ...rates }));
    return;
  }
  const seconds: number[] = [];
  let events = 0;
  if (parse) {
    for (let pass = 0; pass < passes; pass++) {
      const result = await measureParseThroughput(service, object, { key });
      seconds.push(result.seconds);
      events += result.events;
    }
  }
  const mb = plain.byteLength / 1e6;
  console.log(
    JSON.stringify({
      events,
      mb,
      seconds,
      mbPerSecond: seconds.map((s) => Math.round((mb / s) * 10) / 10),
    }),
  );
}

await main();
