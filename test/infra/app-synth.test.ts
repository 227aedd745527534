import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { tempDir } from "../helpers/temp-dir.ts";
import {
  evaluate,
  type HclAttribute,
  type HclBlock,
  type HclExpression,
  HclSyntaxError,
  parseHclFile,
  parseJsonTemplate,
} from "./helpers/hcl.ts";
import { existingBucketScenario } from "./helpers/scenarios.ts";
import { Synth } from "./helpers/synth.ts";

/**
 * The app as users run it: `node infra/main.ts` (`npm run synth`) and with `SYNTH_HCL_OUTPUT=true`
 * (`npm run synth:hcl`). Each configuration is synthesized once per format, all runs in parallel, and the files
 * are then checked: the JSON parses with every `${...}` valid, the HCL parses completely, every JSON-valued
 * attribute is a `jsonencode(...)` expression (cdktf would otherwise write unescaped quotes into HCL), and each
 * HCL policy evaluates to exactly the document of the JSON output. When a `terraform` binary is on PATH, its own
 * parser (`terraform fmt`) must accept the HCL too.
 */
const root = new URL("../../", import.meta.url).pathname;
const fixtures = new URL("../fixtures/infra/", import.meta.url).pathname;
const work = tempDir("infra-synth-");
const run = promisify(execFile);
const JSON_ATTRIBUTES = new Set([
  "policy",
  "assume_role_policy",
  "redrive_policy",
  "redrive_allow_policy",
  "event_pattern",
]);

function runApp(configPath: string, outdir: string, hcl: boolean) {
  const env = {
    ...process.env,
    PIPELINE_CONFIG: configPath,
    CDKTF_OUTDIR: outdir,
    SYNTH_HCL_OUTPUT: hcl ? "true" : "false",
  };
  return run(process.execPath, ["--no-deprecation", join(root, "infra/main.ts")], { cwd: root, env }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

// The committed example carries AWS's documentation account, which synth refuses: users put their own.
const exampleConfig = join(work, "example.pipeline.yaml");
writeFileSync(
  exampleConfig,
  readFileSync(join(root, "pipeline.config.example.yaml"), "utf8").replace(
    'account: "123456789012"',
    'account: "111122223333"',
  ),
);
const existingConfig = join(work, "existing.pipeline.yaml");
writeFileSync(existingConfig, stringify(existingBucketScenario()));
const configs = {
  example: { path: exampleConfig, stack: "devo-aws-logs" },
  full: { path: join(fixtures, "full.pipeline.yaml"), stack: "devo-full" },
  existing: { path: existingConfig, stack: "devo-aws-logs" },
};
const started = performance.now();
const runs = Object.fromEntries(
  await Promise.all(
    Object.entries(configs).flatMap(([name, c]) =>
      [false, true].map(async (hcl) => {
        const outdir = join(work, `${name}-${hcl ? "hcl" : "json"}`);
        return [
          `${name}-${hcl ? "hcl" : "json"}`,
          { ...(await runApp(c.path, outdir, hcl)), outdir, stack: c.stack },
        ] as const;
      }),
    ),
  ),
);
const invalid = await runApp(join(fixtures, "invalid.pipeline.yaml"), join(work, "invalid"), false);
const missing = await runApp(join(work, "does-not-exist.yaml"), join(work, "missing"), false);
const elapsed = Math.round(performance.now() - started);

function jsonSynth(name: string): Synth {
  const r = runs[`${name}-json`];
  return new Synth(
    JSON.parse(readFileSync(join(r.outdir, "stacks", r.stack, "cdk.tf.json"), "utf8")),
    "111122223333",
    "eu-west-1",
  );
}

function hclText(name: string): string {
  const r = runs[`${name}-hcl`];
  return readFileSync(join(r.outdir, "stacks", r.stack, "cdk.tf"), "utf8");
}

function resourceBlocks(text: string): HclBlock[] {
  return parseHclFile(text).filter((b): b is HclBlock => b.kind === "block" && b.type === "resource");
}

/** The expression inside `"${...}"`, or the bare expression. */
function unwrap(expression: HclExpression): HclExpression {
  return expression.kind === "template" && expression.parts.length === 1 && typeof expression.parts[0] !== "string"
    ? expression.parts[0]
    : expression;
}

const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" });
const hasTerraform = terraform.status === 0;

describe(`npm run synth / synth:hcl (6 runs in parallel: ${elapsed} ms)`, () => {
  it("writes cdk.tf.json, or cdk.tf with SYNTH_HCL_OUTPUT=true, for each configuration", () => {
    for (const [name, r] of Object.entries(runs)) {
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const file = name.endsWith("-hcl") ? "cdk.tf" : "cdk.tf.json";
      assert.match(r.stdout, new RegExp(`synthesized stack ${r.stack} from .* into .*/stacks/${r.stack}/${file}\\n`));
      const manifest = JSON.parse(readFileSync(join(r.outdir, "manifest.json"), "utf8"));
      assert.equal(manifest.stacks[r.stack].synthesizedStackPath, `stacks/${r.stack}/${file}`);
    }
  });

  it("writes JSON whose every interpolation expression parses", () => {
    for (const name of Object.keys(configs)) {
      const synth = jsonSynth(name);
      const strings: string[] = [];
      const collect = (v: unknown): void => {
        if (typeof v === "string") strings.push(v);
        else if (Array.isArray(v)) v.forEach(collect);
        else if (v !== null && typeof v === "object") Object.values(v).forEach(collect);
      };
      collect(synth.json);
      for (const s of strings) parseJsonTemplate(s);
      assert.ok(
        strings.some((s) => s.startsWith("${jsonencode(")),
        `${name} has jsonencode attributes`,
      );
    }
  });

  it("writes HCL that parses completely", () => {
    for (const name of Object.keys(configs)) {
      const blocks = resourceBlocks(hclText(name));
      assert.ok(blocks.length > 5, `${name}: ${blocks.length} resources`);
    }
  });

  it("renders every JSON-valued attribute as jsonencode(...) in HCL, never as a quoted JSON string", () => {
    for (const name of Object.keys(configs)) {
      let seen = 0;
      for (const block of resourceBlocks(hclText(name))) {
        for (const item of block.body) {
          if (item.kind !== "attribute" || !JSON_ATTRIBUTES.has(item.name)) continue;
          const value = unwrap(item.value);
          assert.equal(value.kind, "call", `${name} ${block.labels.join(".")}.${item.name}`);
          assert.equal(value.kind === "call" && value.name, "jsonencode");
          seen++;
        }
      }
      assert.ok(seen >= 4, `${name}: ${seen} JSON attributes checked`);
    }
  });

  it("carries in HCL exactly the policy documents of the JSON output", () => {
    for (const name of Object.keys(configs)) {
      const synth = jsonSynth(name);
      let compared = 0;
      for (const block of resourceBlocks(hclText(name))) {
        const [type, logicalName] = block.labels;
        const resource = synth.byAddress(`${type}.${logicalName}`);
        for (const item of block.body) {
          if (item.kind !== "attribute" || !JSON_ATTRIBUTES.has(item.name)) continue;
          const fromHcl = JSON.parse(evaluate(unwrap(item.value), (path) => synth.value(`\${${path}}`)) as string);
          assert.deepEqual(fromHcl, synth.document(resource, item.name), `${name} ${type}.${logicalName}.${item.name}`);
          compared++;
        }
      }
      assert.ok(compared >= 4);
    }
  });

  it("writes depends_on and ignore_changes as bare references, the form Terraform does not warn about", () => {
    for (const name of Object.keys(configs)) {
      let lists = 0;
      const visit = (items: (HclAttribute | HclBlock)[]): void => {
        for (const item of items) {
          if (item.kind === "block") visit(item.body);
          else if (item.name === "depends_on" || item.name === "ignore_changes") {
            assert.equal(item.value.kind, "tuple");
            for (const entry of item.value.kind === "tuple" ? item.value.items : []) {
              assert.equal(entry.kind, "traversal", `${name} line ${item.line}: ${JSON.stringify(entry)}`);
            }
            lists++;
          }
        }
      };
      visit(parseHclFile(hclText(name)));
      assert.ok(lists >= 1, `${name}: ${lists} reference lists`);
    }
  });

  it("would catch the HCL cdktf writes for a pre-serialized JSON string", () => {
    const broken = 'resource "aws_sqs_queue_policy" "p" {\npolicy = "{"Version":"2012-10-17"}"\n}\n';
    assert.throws(() => parseHclFile(broken), HclSyntaxError);
    if (hasTerraform) {
      const fmt = spawnSync("terraform", ["fmt", "-no-color", "-"], { input: broken, encoding: "utf8" });
      assert.notEqual(fmt.status, 0, "terraform fmt refuses it too");
    }
  });

  it("is accepted by terraform's own parser (terraform fmt)", {
    skip: hasTerraform ? false : "terraform is not on PATH",
  }, () => {
    for (const name of Object.keys(configs)) {
      const fmt = spawnSync("terraform", ["fmt", "-no-color", "-"], { input: hclText(name), encoding: "utf8" });
      assert.equal(fmt.status, 0, `${name}: ${fmt.stderr}`);
    }
  });

  it("keeps the full configuration's options in HCL: data events exclude the log bucket, tags reach the provider", () => {
    const blocks = parseHclFile(hclText("full"));
    const trail = blocks.find((b): b is HclBlock => b.kind === "block" && b.labels[0] === "aws_cloudtrail");
    const selectors =
      trail?.body.filter((b): b is HclBlock => b.kind === "block" && b.type === "advanced_event_selector") ?? [];
    assert.equal(selectors.length, 3);
    const text = hclText("full");
    assert.match(text, /not_starts_with = \[\s*"arn:aws:s3:::full-pipeline-logs\/",?\s*\]/);
    assert.match(text, /cost-center = "4711"/);
    assert.match(text, /path = "\.\.\/\.\.\/\.\.\/terraform\.devo-full\.tfstate"/);
  });
});

describe("npm run synth with a configuration it must refuse", () => {
  it("exits 1 before synthesizing and lists every problem with its path", () => {
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /invalid pipeline configuration .*invalid\.pipeline\.yaml:/);
    assert.match(invalid.stderr, /- bucket\.name: bucket name may contain only lowercase letters/);
    assert.match(
      invalid.stderr,
      /- technologies\.elb: notification filters of technologies\.elb .* and technologies\.alb .* overlap/,
    );
    assert.match(
      invalid.stderr,
      /- bucket\.name: WAF writes logs only to buckets whose name starts with "aws-waf-logs-"/,
    );
    assert.match(invalid.stderr, /- access\.external_id: ExternalId may contain only/);
    assert.doesNotMatch(invalid.stderr, /has spaces and #/, "the ExternalId is not echoed");
    assert.equal(invalid.stdout, "");
  });

  it("explains how to start when the configuration file is missing", () => {
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the configuration: file not found/);
    assert.match(missing.stderr, /Copy pipeline\.config\.example\.yaml to pipeline\.config\.yaml/);
  });
});
