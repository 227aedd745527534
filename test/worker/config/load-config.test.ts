import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig, validateConfig } from "../../../worker/config/load-config.ts";
import { problemsOf } from "./problems-of.ts";

/**
 * An SQS collector configuration with the keys of the "Flexible Example" on Devo's SQS collector page. That page is
 * not on file here (only the AWS collector's template is, and is tested verbatim in devo-aws-template.test.ts), so
 * this is our transcription, not Devo's text.
 */
const SQS_COLLECTOR_EXAMPLE = `
globals:
  debug: false
  id: not_used
  name: sqs_collector
  persistence:
    type: filesystem
    config:
      directory_name: state
outputs:
  devo_1:
    type: devo_platform
    config:
      address: collector-us.devo.io
      port: 443
      type: SSL
      chain: chain.crt
      cert: domain.crt
      key: domain.key
inputs:
  sqs_collector:
    id: "12351"
    enabled: true
    credentials:
      aws_access_key_id: ""
      aws_secret_access_key: ""
      aws_base_account_role: arn:aws:iam::837131528613:role/devo-xaccount-cs-role
      aws_cross_account_role: arn:aws:iam::123456789012:role/devo-reader
      aws_external_id: devo-external-id-42
    ack_messages: true
    direct_mode: false
    do_not_send: false
    compressed_events: false
    base_url: https://sqs.us-west-1.amazonaws.com/123456789012/devo-cloudtrail
    region: us-west-1
    sqs_visibility_timeout: 240
    sqs_wait_timeout: 20
    sqs_max_messages: 1
    services:
      aws_sqs_cloudtrail: {}
`;

async function withFile(text: string, run: (path: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "config-"));
  try {
    const path = join(dir, "config.yaml");
    await writeFile(path, text);
    await run(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const minimal = (input: Record<string, unknown>) => ({
  outputs: { c: { type: "console" } },
  inputs: {
    sqs_collector: {
      base_url: "https://sqs.us-east-1.amazonaws.com/1/q",
      services: { aws_sqs_cloudtrail: {} },
      ...input,
    },
  },
});

describe("loadConfig", () => {
  it("loads an SQS collector configuration with the keys of Devo's example", async () => {
    await withFile(SQS_COLLECTOR_EXAMPLE, async (path) => {
      const config = await loadConfig(path);
      const [input] = config.inputs;
      assert.equal(input.type, "sqs_collector");
      assert.equal(input.region, "us-west-1");
      assert.equal(input.sqs_visibility_timeout, 240);
      assert.deepEqual(
        input.services.map((s) => s.definition.name),
        ["aws_sqs_cloudtrail"],
      );
      assert.equal(input.credentials?.targetRoleArn, "arn:aws:iam::123456789012:role/devo-reader");
      assert.equal(input.credentials?.externalId, "devo-external-id-42");
      assert.equal(config.globals.persistence?.config.directory_name, "state");
    });
  });

  it("names the exact path of unknown keys and wrong types", () => {
    assert.deepEqual(problemsOf(minimal({ sqs_wait_timeout: 60 })), [
      "inputs.sqs_collector.sqs_wait_timeout: Too big: expected number to be <=20",
    ]);
    assert.match(problemsOf(minimal({ colour: "blue" }))[0], /^inputs\.sqs_collector: unknown key 'colour'/);
    assert.match(problemsOf(minimal({ base_url: "not a url" }))[0], /^inputs\.sqs_collector\.base_url: /);
    assert.match(
      problemsOf(minimal({ services: { aws_sqs_cloudtrail: { bogus: 1 } } }))[0],
      /^inputs\.sqs_collector\.services\.aws_sqs_cloudtrail: unknown key 'bogus'/,
    );
    assert.match(
      problemsOf(minimal({ services: { aws_sqs_nope: {} } }))[0],
      /unknown service 'aws_sqs_nope' for input type sqs_collector/,
    );
    assert.match(problemsOf({ ...minimal({}), extra: true })[0], /^top level: unknown key 'extra'/);
  });

  it("refuses the value of Devo's switches that this worker does not implement, saying why, instead of ignoring it", () => {
    for (const [key, value] of [
      ["ack_messages", false],
      ["direct_mode", true],
      ["do_not_send", true],
      ["compressed_events", true],
      ["debug_md5", true],
    ] as const) {
      const [problem, ...rest] = problemsOf(minimal({ [key]: value }));
      assert.equal(rest.length, 0);
      assert.match(problem, new RegExp(`^inputs\\.sqs_collector\\.${key}: .*not supported`));
    }
    const accepted = validateConfig(
      minimal({
        ack_messages: true,
        direct_mode: false,
        do_not_send: false,
        compressed_events: false,
        debug_md5: false,
      }),
    );
    assert.equal(accepted.inputs.length, 1);
    assert.match(
      problemsOf(minimal({ services: { aws_sqs_cloudtrail: { encoding: "parquet" } } }))[0],
      /encoding: parquet objects are not supported/,
    );
  });

  it("helps: a typo gets the nearest valid key, a choice lists its values, a missing section says so", () => {
    assert.deepEqual(problemsOf(minimal({ regoin: "eu-west-1" })), [
      "inputs.sqs_collector: unknown key 'regoin' (did you mean 'region'?)",
    ]);
    assert.deepEqual(problemsOf(minimal({ services: { aws_sqs_vpc: { s3_file_typ_filter: "x", colour: 1 } } })), [
      "inputs.sqs_collector.services.aws_sqs_vpc: unknown keys 's3_file_typ_filter' (did you mean 's3_file_type_filter'?), 'colour'",
    ]);
    const [format] = problemsOf(
      minimal({ services: { custom_service: { file_format: "csv_processor", routing_template: "my.app" } } }),
    );
    assert.match(format, /file_format: expected one of unseparated_json_processor, .*line_split_processor$/);
    assert.deepEqual(problemsOf({ inputs: minimal({}).inputs }), ["outputs: required, and missing"]);
  });

  it("says where the API services' options are wrong", () => {
    const problems = problemsOf({
      outputs: { c: { type: "console" } },
      inputs: {
        aws: {
          region: "eu-west-1",
          services: { "audit-events-all": { types: ["audits_api"], start_time: "yesterday" } },
        },
      },
    });
    assert.deepEqual(problems, ["inputs.aws.services.audit-events-all.start_time: expected ISO-8601 date"]);
  });

  it("needs the input type when the input's name does not say it", () => {
    const document = {
      outputs: { c: { type: "console" } },
      inputs: {
        cloudtrail_queue: { base_url: "https://sqs.us-east-1.amazonaws.com/1/q", services: { aws_sqs_cloudtrail: {} } },
      },
    };
    assert.match(problemsOf(document)[0], /^inputs\.cloudtrail_queue: cannot tell the input type/);
    const typed = validateConfig({
      ...document,
      inputs: { cloudtrail_queue: { ...document.inputs.cloudtrail_queue, type: "sqs_collector" } },
    });
    assert.equal(typed.inputs[0].type, "sqs_collector");
  });

  it("reports an unreadable file and broken YAML with the file's path", async () => {
    await assert.rejects(
      loadConfig("/nonexistent/config.yaml"),
      (error: Error) => error instanceof ConfigError && /\/nonexistent\/config\.yaml/.test(error.message),
    );
    await withFile("inputs: [unclosed", async (path) => {
      await assert.rejects(
        loadConfig(path),
        (error: Error) =>
          error instanceof ConfigError && error.message.includes(path) && /not valid YAML/.test(error.message),
      );
    });
  });

  it("quotes the line of a YAML syntax error with secret values masked", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    // The YAML parser quotes the line it stopped at: here, the one holding the secret.
    const cases = [
      { text: `inputs:\n  aws:\n    credentials:\n      access_secret: ${secret}: oops\n`, hidden: secret },
      { text: `outputs:\n  devo:\n    config:\n      key_passphrase: "hunter2" trailing\n`, hidden: "hunter2" },
      { text: `inputs:\n  aws:\n    note: AKIAIOSFODNN7EXAMPLE: x\n`, hidden: "AKIAIOSFODNN7EXAMPLE" },
    ];
    for (const { text, hidden } of cases) {
      await withFile(text, async (path) => {
        await assert.rejects(loadConfig(path), (error: Error) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /not valid YAML: .* at line \d+, column \d+/);
          assert.match(error.message, /\*\*\*/, "the line is quoted, masked");
          assert.ok(!error.message.includes(hidden), `${hidden} is not printed: ${error.message}`);
          return true;
        });
      });
    }
  });
});
