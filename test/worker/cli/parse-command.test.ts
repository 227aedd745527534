import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { runParseCommand } from "../../../worker/cli/parse-command.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/formats/", import.meta.url));
const MAIN = fileURLToPath(new URL("../../../worker/main.ts", import.meta.url));

function capture() {
  let stdout = "";
  let stderr = "";
  return {
    io: {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    },
    out: () => stdout,
    err: () => stderr,
    events: () =>
      stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as { tag: string; message: string }),
  };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "parse-command-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("aws-devo-collector parse", () => {
  it("prints one {tag, message} per event and a summary on stderr", async () => {
    const run = capture();
    const code = await runParseCommand(["--service", "aws_sqs_vpc", join(FIXTURES, "vpc-flow-v5-custom.log")], run.io);
    assert.equal(code, 0);
    const events = run.events();
    assert.equal(events.length, 3);
    assert.deepEqual(Object.keys(events[0]), ["tag", "message"]);
    assert.equal(events[0].tag, "cloud.aws.vpc.flow");
    assert.match(events[1].message, /^5 vpc-0a1b2c3d .* REJECT 0 OK$/);
    assert.match(run.err(), /vpc-flow-v5-custom\.log: 3 events, not events: VPC Flow Logs header line: 1/);
  });

  it("warns when a file does not look like the service's data, and counts in the singular and plural", async () => {
    const random = join(dir, "random.bin");
    // Bytes of a fixed pseudo-random sequence: not text, not a known compression.
    let seed = 7;
    await writeFile(
      random,
      Uint8Array.from({ length: 4096 }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return 128 + (seed % 128);
      }),
    );
    const run = capture();
    assert.equal(await runParseCommand(["--service", "aws_sqs_vpc", random], run.io), 0);
    assert.match(run.err(), /WARNING: this does not look like aws_sqs_vpc data: \d+ events? of \d+ hold binary bytes/);
    const one = join(dir, "one-line.log");
    await writeFile(one, "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 1 40 1764669600 1764669660 ACCEPT OK\n");
    const single = capture();
    assert.equal(await runParseCommand(["--service", "aws_sqs_vpc", one], single.io), 0);
    assert.match(single.err(), /one-line\.log: 1 event\n$/);
  });

  it("stops quietly when its reader goes away (parse … | head -1): exit 0, no stack trace", async () => {
    const big = join(dir, "many-flows.log");
    const line = "2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 1 40 1764669600 1764669660 ACCEPT OK\n";
    await writeFile(big, line.repeat(50_000));
    const child = spawn(process.execPath, [MAIN, "parse", "--service", "aws_sqs_vpc", big], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /many-flows\.log: stopped after \d+ events?: standard output was closed/);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
  });

  it("selects a module with --type and reads CRLF files", async () => {
    const run = capture();
    const file = join(FIXTURES, "cloudfront-standard.log");
    assert.equal(
      await runParseCommand(["--service", "non-cloudwatch-logs", "--type", "cloudfrontlogs", file], run.io),
      0,
    );
    assert.deepEqual(
      run.events().map((e) => e.tag),
      ["cloud.aws.cloudfront.unknown", "cloud.aws.cloudfront.unknown"],
    );
    assert.ok(run.events().every((e) => !e.message.includes("\r")));
  });

  it("uses --key for routing and digest detection, the file name otherwise", async () => {
    const file = join(dir, "trail.json.gz");
    await writeFile(
      file,
      zlib.gzipSync(
        JSON.stringify({ Records: [{ eventVersion: "1.08", eventSource: "kms.amazonaws.com", eventName: "Decrypt" }] }),
      ),
    );
    const plain = capture();
    assert.equal(await runParseCommand(["--service", "aws_sqs_cloudtrail", file], plain.io), 0);
    assert.deepEqual(
      plain.events().map((e) => e.tag),
      ["cloud.aws.cloudtrail.kms"],
    );
    const digest = capture();
    const key = "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/03/01/d.json.gz";
    assert.equal(await runParseCommand(["--service", "aws_sqs_cloudtrail", "--key", key, file], digest.io), 0);
    assert.equal(digest.out(), "");
    assert.match(digest.err(), /0 events, not events: CloudTrail digest file: 1/);
  });

  it("reads a queue message body for sqs-events services and passes --options", async () => {
    const file = join(dir, "event.json");
    await writeFile(
      file,
      JSON.stringify({
        version: "0",
        id: "1",
        "detail-type": "x",
        source: "aws.ec2",
        account: "1",
        time: "2024-03-01T10:00:00Z",
        region: "eu-west-1",
        resources: [],
        detail: {},
      }),
    );
    const run = capture();
    assert.equal(
      await runParseCommand(["--service", "service-events-all", "--options", '{"auto_event_type":true}', file], run.io),
      0,
    );
    assert.deepEqual(
      run.events().map((e) => e.tag),
      ["cloud.aws.cloudwatch.ec2"],
    );
  });

  it("exits 1 when a file cannot be read or decoded, after reading the others", async () => {
    const broken = join(dir, "broken.gz");
    await writeFile(broken, zlib.gzipSync("x".repeat(5000)).subarray(0, 30));
    const run = capture();
    const code = await runParseCommand(
      ["--service", "aws_sqs_vpc", join(dir, "missing.log"), broken, join(FIXTURES, "vpc-flow-v5-custom.log")],
      run.io,
    );
    assert.equal(code, 1);
    assert.equal(run.events().length, 3);
    assert.match(run.err(), /missing\.log: 0 events; FAILED: cannot read .*missing\.log as aws_sqs_vpc: ENOENT/);
    assert.match(run.err(), /broken\.gz: 0 events; FAILED: .*gzip: truncated stream/);
    assert.match(run.err(), /total: 3 files, 2 failed, 3 events, 0 skipped/);
  });

  it("exits 2 on bad usage, saying what is wrong", async () => {
    const cases: [string[], RegExp][] = [
      [[], /--service is required/],
      [["--service", "aws_sqs_vpc"], /no FILE given/],
      [["--service", "nope", "f"], /unknown service 'nope'/],
      [["--service", "metrics-all", "f"], /reads an AWS API/],
      [["--service", "aws_sqs_vpc", "--type", "flowlogs", "f"], /has no modules/],
      [["--service", "non-cloudwatch-logs", "--type", "elb", "f"], /flowlogs, cloudfrontlogs/],
      [["--service", "custom_service", "f"], /services\.custom_service\.file_format/],
      [["--service", "aws_sqs_vpc", "--options", "{", "f"], /--options is not JSON/],
      [["--service", "aws_sqs_vpc", "--bogus", "f"], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const run = capture();
      assert.equal(await runParseCommand(argv, run.io), 2, argv.join(" "));
      assert.match(run.err(), message);
      assert.match(run.err(), /Usage: aws-devo-collector parse/);
    }
    const help = capture();
    assert.equal(await runParseCommand(["--help"], help.io), 0);
    assert.match(help.out(), /--service NAME/);
  });
});
