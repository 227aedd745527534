import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { configSchema } from "../../../worker/config/config-schema.ts";
import { credentialsSchema } from "../../../worker/config/credentials-schema.ts";
import { findService } from "../../../worker/services/catalog.ts";
import { openEnvelope } from "../../../worker/state/state-envelope.ts";
import { problemsOf } from "./problems-of.ts";

/**
 * The worker's schemas use zod/mini, which has no messages of its own: worker/runtime/zod.ts installs classic zod's
 * English ones. Every expected text below was printed by this code when it still used classic zod (captured from the
 * commit before the move, not from the code under test), so these tests show that the move changed no message, path
 * or order of problems. The exceptions are three messages that were wrong before the move and were fixed after it,
 * each marked "fixed": a wrong type or a fraction reported as "required, and missing", and any problem in
 * `credentials` (or a non-string in one of its keys) reported only as "Invalid input".
 */

const sqs = (input: Record<string, unknown>) => ({
  outputs: { c: { type: "console" } },
  inputs: {
    sqs_collector: {
      base_url: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
      services: { aws_sqs_cloudtrail: {} },
      ...input,
    },
  },
});
const aws = (services: Record<string, unknown>) => ({
  outputs: { c: { type: "console" } },
  inputs: { aws: { region: "eu-west-1", services } },
});
const withGlobals = (globals: Record<string, unknown>) => ({ ...sqs({}), globals });
const withOutput = (output: Record<string, unknown>) => ({ ...sqs({}), outputs: { o: output } });
const DEVO = { address: "collector-eu.devo.io", chain: "chain.crt", cert: "domain.crt", key: "domain.key" };
const devo = (config: Record<string, unknown>) => withOutput({ type: "devo_platform", config: { ...DEVO, ...config } });
const syslog = (config: Record<string, unknown>) =>
  withOutput({ type: "syslog", config: { address: "relay", port: 514, ...config } });

/** [what, configuration, the problems the worker prints] */
const PROBLEMS: [string, unknown, string[]][] = [
  ["a missing section", { inputs: sqs({}).inputs }, ["outputs: required, and missing"]],
  [
    "missing required keys",
    withOutput({ type: "devo_platform", config: { port: 443 } }),
    [
      "outputs.o.config.address: required, and missing",
      "outputs.o.config.chain: required, and missing",
      "outputs.o.config.cert: required, and missing",
      "outputs.o.config.key: required, and missing",
    ],
  ],
  [
    "fixed: a wrong type is not reported as missing",
    withGlobals({ debug: "yes", concurrency: "4", name: 7 }),
    [
      "globals.debug: Invalid input: expected boolean, received string",
      "globals.name: Invalid input: expected string, received number",
      "globals.concurrency: Invalid input: expected number, received string",
    ],
  ],
  [
    "fixed: a fraction where a whole number belongs",
    withGlobals({ concurrency: 2.5, metrics: { port: 1.5 } }),
    ["globals.metrics.port: expected a whole number", "globals.concurrency: expected a whole number"],
  ],
  [
    "fixed: a wrong type in a service's options",
    sqs({ services: { aws_sqs_vpc: { regions: "eu-west-1" } } }),
    ["inputs.sqs_collector.services.aws_sqs_vpc.regions: Invalid input: expected array, received string"],
  ],
  [
    "fixed: a problem in credentials names its key",
    sqs({ credentials: { access_key: "A", session_token: 5 } }),
    // The checks across keys run once every key has its type, so the missing secret is reported on the next run.
    ["inputs.sqs_collector.credentials.session_token: Invalid input: expected string, received number"],
  ],
  [
    "fixed: credentials that are not a mapping",
    sqs({ credentials: "my-profile" }),
    ["inputs.sqs_collector.credentials: Invalid input: expected object, received string"],
  ],
  [
    "unknown keys, with the nearest known one",
    sqs({ regoin: "eu-west-1", colour: "blue" }),
    ["inputs.sqs_collector: unknown keys 'regoin' (did you mean 'region'?), 'colour'"],
  ],
  [
    "an unknown key in an output",
    devo({ check_hostnam: false }),
    ["outputs.o.config: unknown key 'check_hostnam' (did you mean 'check_hostname'?)"],
  ],
  [
    "too small and too big numbers",
    {
      ...sqs({ sqs_wait_timeout: 21, sqs_max_messages: 0 }),
      globals: { concurrency: 257, shutdown_grace_seconds: -1 },
    },
    [
      "globals.concurrency: Too big: expected number to be <=256",
      "globals.shutdown_grace_seconds: Too small: expected number to be >=0",
      "inputs.sqs_collector.sqs_wait_timeout: Too big: expected number to be <=20",
      "inputs.sqs_collector.sqs_max_messages: Too small: expected number to be >=1",
    ],
  ],
  [
    "a positive number",
    withGlobals({ metrics: { port: 9464, unhealthy_after_seconds: 0 } }),
    ["globals.metrics.unhealthy_after_seconds: Too small: expected number to be >0"],
  ],
  [
    "beyond a safe integer",
    withGlobals({ max_bytes_in_flight: 1e20 }),
    ["globals.max_bytes_in_flight: Too big: expected int to be <=9007199254740991"],
  ],
  [
    "bad regex values",
    sqs({ region: "moon", expected_bucket_owner: "123" }),
    [
      "inputs.sqs_collector.region: expected an AWS region such as us-east-1",
      "inputs.sqs_collector.expected_bucket_owner: expected a 12-digit AWS account id",
    ],
  ],
  [
    "a record key that fails its regex",
    { ...sqs({}), outputs: { "a b": { type: "console" } } },
    ["outputs.a b: Invalid key in record"],
  ],
  [
    "a pattern check without a message of its own",
    aws({ "metrics-all": { statistics: ["p99", "Avg"] } }),
    ["inputs.aws.services.metrics-all.statistics.1: Invalid string: must match pattern /^(p|tm|wm|tc|ts|pr)\\d/"],
  ],
  [
    "bad enum values",
    sqs({ type: "kinesis" }),
    ['inputs.sqs_collector.type: Invalid option: expected one of "sqs_collector"|"aws"'],
  ],
  [
    "a bad enum value after trimming and upper-casing",
    syslog({ type: " udp " }),
    ['outputs.o.config.type: Invalid option: expected one of "TCP"|"SSL"'],
  ],
  [
    "an enum with a default",
    devo({ min_tls_version: "TLSv1.1" }),
    ['outputs.o.config.min_tls_version: Invalid option: expected one of "TLSv1.2"|"TLSv1.3"'],
  ],
  [
    "a bad discriminator",
    withOutput({ type: "kafka" }),
    ["outputs.o.type: Invalid discriminator value. Expected 'devo_platform' | 'syslog' | 'console' | 'file'"],
  ],
  [
    "bad URLs",
    sqs({ base_url: "not a url", s3_endpoint_url: "sqs.us-east-1.amazonaws.com" }),
    ["inputs.sqs_collector.base_url: Invalid URL", "inputs.sqs_collector.s3_endpoint_url: Invalid URL"],
  ],
  ["a union of plain types", withGlobals({ id: true }), ["globals.id: Invalid input"]],
  [
    "a choice of forms lists the values",
    sqs({ services: { custom_service: { file_format: "csv_processor", routing_template: "my.app" } } }),
    [
      "inputs.sqs_collector.services.custom_service.file_format: expected one of unseparated_json_processor, split_or_unseparated_processor, aws_access_logs_processor, single_json_object_processor, separated_json_processor, json_object_to_linesplit_processor, json_array_processor, json_line_arrays_processor, line_split_processor",
    ],
  ],
  [
    "a too short string",
    sqs({ allowed_buckets: ["ab"] }),
    ["inputs.sqs_collector.allowed_buckets.0: Too small: expected string to have >=3 characters"],
  ],
  [
    "too short arrays and strings in a service",
    sqs({ services: { aws_sqs_vpc: { regions: [], drop_event_names: [""] } } }),
    [
      "inputs.sqs_collector.services.aws_sqs_vpc.regions: Too small: expected array to have >=1 items",
      "inputs.sqs_collector.services.aws_sqs_vpc.drop_event_names.0: Too small: expected string to have >=1 characters",
    ],
  ],
  [
    "a size check with its own message",
    sqs({ allowed_buckets: [] }),
    ["inputs.sqs_collector.allowed_buckets: list at least one bucket, or leave allowed_buckets out"],
  ],
  [
    "empty after trimming",
    devo({ address: "  ", server_name: "" }),
    ["outputs.o.config.address: must not be empty", "outputs.o.config.server_name: must not be empty"],
  ],
  [
    "refinements on records",
    { outputs: {}, inputs: { sqs_collector: { services: {} } } },
    ["outputs: at least one output is needed", "inputs.sqs_collector.services: expected at least one service"],
  ],
  [
    "refinements of Devo's switches",
    sqs({ ack_messages: false, debug_md5: true }),
    [
      "inputs.sqs_collector.ack_messages: this worker deletes a message only after all its events are delivered (ack_messages: true); leaving read messages on the queue is not supported",
      "inputs.sqs_collector.debug_md5: debug_md5: true is not supported (Devo does not document it)",
    ],
  ],
  [
    "refinements of values",
    sqs({ services: { aws_sqs_vpc: { encoding: "parquet", s3_file_type_filter: "(" } } }),
    [
      "inputs.sqs_collector.services.aws_sqs_vpc.encoding: parquet objects are not supported by this worker (gzip, zstd and plain are)",
      "inputs.sqs_collector.services.aws_sqs_vpc.s3_file_type_filter: expected a regular expression",
    ],
  ],
  [
    "an env: reference",
    devo({ chain: "env:1BAD" }),
    [
      "outputs.o.config.chain: `env:` must be followed by an environment variable name (letters, digits and _, not starting with a digit)",
    ],
  ],
  [
    "refinements across keys (superRefine)",
    devo({
      min_tls_version: "TLSv1.3",
      max_tls_version: "TLSv1.2",
      connections: 2,
      concurrent_connections: 2,
      port: 0,
    }),
    [
      "outputs.o.config.port: Too small: expected number to be >=1",
      "outputs.o.config.max_tls_version: is lower than `min_tls_version`",
      "outputs.o.config.concurrent_connections: `connections` and `concurrent_connections` mean the same thing; give only one",
    ],
  ],
  [
    "keys that apply only to TLS",
    syslog({ chain: "c.crt", sec_level: 1 }),
    ["outputs.o.config.chain: applies only to `type: SSL`", "outputs.o.config.sec_level: applies only to `type: SSL`"],
  ],
  [
    "a client certificate needs both halves",
    syslog({ type: "ssl", cert: "c.crt", key_passphrase: "env:PASS" }),
    [
      "outputs.o.config.key: a client certificate needs both `cert` and `key`",
      "outputs.o.config.key_passphrase: `key_passphrase` is given without a `key`",
    ],
  ],
  [
    "a routing template placeholder",
    sqs({ services: { aws_sqs_vpc: { routing_template: "my.tag.[file-nope]" } } }),
    [
      "inputs.sqs_collector.services.aws_sqs_vpc.routing_template: placeholder [file-nope] needs file_field_definitions.nope",
    ],
  ],
  [
    "an ISO-8601 date with its own message",
    aws({ "audit-events-all": { start_time: "2024-01-01T00:00:00" } }),
    ["inputs.aws.services.audit-events-all.start_time: expected ISO-8601 date"],
  ],
  [
    "an allowed metric period",
    aws({ "metrics-all": { period_in_seconds: 61 } }),
    ["inputs.aws.services.metrics-all.period_in_seconds: expected 1, 5, 10, 20, 30 or a multiple of 60 seconds"],
  ],
  [
    "an option of an API service",
    aws({ "non-cloudwatch-logs": { types: [], vpcflowlogs_sqs_queue_name: "bad name" } }),
    [
      "inputs.aws.services.non-cloudwatch-logs.types: Too small: expected array to have >=1 items",
      "inputs.aws.services.non-cloudwatch-logs.vpcflowlogs_sqs_queue_name: expected an SQS queue name (1-80 letters, digits, '-' or '_')",
    ],
  ],
];

/** [what, configuration, zod's own issues, before describeIssue rewords them] */
const ISSUES: [string, unknown, string[]][] = [
  [
    "wrong types",
    withGlobals({ debug: "yes", concurrency: "4", name: 7 }),
    [
      "globals.debug: Invalid input: expected boolean, received string",
      "globals.name: Invalid input: expected string, received number",
      "globals.concurrency: Invalid input: expected number, received string",
    ],
  ],
  [
    "not an integer",
    withGlobals({ concurrency: 2.5, metrics: { port: 1.5 } }),
    [
      "globals.metrics.port: Invalid input: expected int, received number",
      "globals.concurrency: Invalid input: expected int, received number",
    ],
  ],
  [
    "not a number at all",
    withGlobals({ concurrency: Number.NaN }),
    ["globals.concurrency: Invalid input: expected number, received NaN"],
  ],
  [
    "missing keys",
    withOutput({ type: "file", config: {} }),
    ["outputs.o.config.path: Invalid input: expected string, received undefined"],
  ],
  [
    "a literal",
    withGlobals({ persistence: { type: "s3", config: { directory_name: "d" } } }),
    ['globals.persistence.type: Invalid input: expected "filesystem"'],
  ],
  ["unknown keys", sqs({ colour: "blue", regoin: 1 }), ['inputs.sqs_collector: Unrecognized keys: "colour", "regoin"']],
  [
    "fixed: credentials are nullable, not a union with null",
    sqs({ credentials: { access_key: "A" } }),
    ["inputs.sqs_collector.credentials.access_secret: `access_key` is given without its secret access key"],
  ],
  [
    "a URL of the wrong type",
    sqs({ base_url: 5 }),
    ["inputs.sqs_collector.base_url: Invalid input: expected string, received number"],
  ],
];

/** [what, credentials, the problems the credentials transform adds] */
const CREDENTIALS: [string, unknown, string[]][] = [
  [
    "a key without its secret",
    { access_key: "AKIAIOSFODNN7EXAMPLE" },
    ["access_secret: `access_key` is given without its secret access key"],
  ],
  [
    "both spellings of one key",
    { access_key: "A", aws_access_key_id: "B", access_secret: "S", profile: "p" },
    [
      "aws_access_key_id: `access_key` and `aws_access_key_id` mean the same thing; give only one",
      "profile: give either a profile or static keys, not both",
    ],
  ],
  [
    "roles and ExternalId",
    { base_assume_role: "arn:aws:iam::123:role/x", aws_external_id: "!" },
    [
      'base_assume_role: expected an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>), got "arn:aws:iam::123:role/x"',
      "base_assume_role: `base_assume_role` is the first hop towards a target role; `aws_cross_account_role` is missing",
      "aws_external_id: expected 2–1224 characters of letters, digits and +=,.@:/-_",
      "aws_external_id: an ExternalId applies to the target role; `aws_cross_account_role` is missing",
    ],
  ],
  [
    'an unknown key and a wrong type (fixed: the type was only "Invalid input")',
    { acces_key: "A", session_token: 5 },
    ["session_token: Invalid input: expected string, received number", ': Unrecognized key: "acces_key"'],
  ],
];

/** [what, state file, why it is refused] */
const STATES: [string, unknown, string][] = [
  [
    "not a state file",
    { format: 1.5, kind: "", input: "aws", service: "metrics-all", region: 5, cursor: {} },
    "not a state file (✖ Invalid input: expected int, received number\n  → at format\n✖ Too small: expected string to have >=1 characters\n  → at kind\n✖ Invalid input: expected string, received number\n  → at region\n✖ Invalid input: expected string, received undefined\n  → at saved_at)",
  ],
  [
    "a cursor that fails its schema",
    {
      format: 1,
      kind: "k",
      input: "aws",
      service: "metrics-all",
      region: "eu-west-1",
      saved_at: "x",
      cursor: { start_time: "x", delay_seconds: -1.5, bogus: 2 },
    },
    'invalid "k" cursor (✖ Unrecognized key: "bogus"\n✖ expected ISO-8601 date\n  → at start_time\n✖ Invalid input: expected int, received number\n  → at delay_seconds)',
  ],
];

const described = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) =>
  issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

describe("configuration error messages (unchanged by the move from classic zod to zod/mini)", () => {
  for (const [what, document, expected] of PROBLEMS) {
    it(`problems: ${what}`, () => assert.deepEqual(problemsOf(document), expected));
  }
  for (const [what, document, expected] of ISSUES) {
    it(`zod's issues: ${what}`, () => {
      const parsed = configSchema.safeParse(document);
      assert.ok(!parsed.success);
      assert.deepEqual(described(parsed.error.issues), expected);
    });
  }
  for (const [what, credentials, expected] of CREDENTIALS) {
    it(`credentials: ${what}`, () => {
      const parsed = credentialsSchema.safeParse(credentials);
      assert.ok(!parsed.success);
      assert.deepEqual(described(parsed.error.issues), expected);
    });
  }
  const metricsOptions = findService("metrics-all", "aws")?.options;
  assert.ok(metricsOptions);
  for (const [what, state, expected] of STATES) {
    it(`state file: ${what}`, () => {
      const opened = openEnvelope(
        state,
        { input: "aws", service: "metrics-all", region: "eu-west-1" },
        "k",
        metricsOptions,
      );
      assert.deepEqual(opened, { ok: false, reason: expected });
    });
  }
});

describe("zod in the worker", () => {
  // The English messages are installed by worker/runtime/zod.ts; a module that imported zod another way could build
  // schemas that parse before it is loaded (messages "Invalid input"), and "zod" itself is classic zod, whose
  // methods cost 1.8 MB of heap for as long as the worker runs.
  it("is imported only through worker/runtime/zod.ts", async () => {
    const worker = resolve(fileURLToPath(import.meta.url), "../../../../worker");
    const offenders: string[] = [];
    for (const file of await readdir(worker, { recursive: true })) {
      if (!file.endsWith(".ts") || file === join("runtime", "zod.ts")) continue;
      const text = await readFile(join(worker, file), "utf8");
      for (const match of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["'](zod(?:\/[^"']*)?)["']/gm)) {
        offenders.push(`${relative(resolve(worker, ".."), join(worker, file))}: ${match[1]}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
