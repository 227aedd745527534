import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parsePipelineConfig } from "../../infra/config.ts";
import {
  AWS_PROVIDER_VERSION,
  TERRAFORM_VERSION,
  TERRAFORM_VERSION_WITH_LOCKFILE,
} from "../../infra/pipeline-stack.ts";
import { nextSteps, synthesizePipeline } from "../../infra/synthesize.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { parseHclFile } from "./helpers/hcl.ts";
import { directScenario, eventBridgeScenario } from "./helpers/scenarios.ts";

describe("synth and synth:hcl into one folder", () => {
  it("leave only the format asked for, so terraform init does not read every output twice", () => {
    const outdir = tempDir("synth-switch-");
    const config = parsePipelineConfig(directScenario());
    const json = synthesizePipeline(config, outdir, false);
    assert.ok(existsSync(json.file));
    const hcl = synthesizePipeline(config, outdir, true);
    assert.equal(hcl.directory, json.directory);
    assert.ok(existsSync(hcl.file));
    assert.ok(!existsSync(json.file), "cdk.tf.json is removed by synth:hcl");
    synthesizePipeline(config, outdir, false);
    assert.ok(!existsSync(hcl.file), "cdk.tf is removed by synth");
  });

  it("pin Terraform and the provider range the plan tests run against, in JSON and HCL", () => {
    const outdir = tempDir("synth-versions-");
    for (const [scenario, version] of [
      [directScenario(), TERRAFORM_VERSION],
      [eventBridgeScenario(), TERRAFORM_VERSION_WITH_LOCKFILE],
    ] as const) {
      const config = parsePipelineConfig(scenario);
      const json = JSON.parse(readFileSync(synthesizePipeline(config, join(outdir, "j"), false).file, "utf8"));
      assert.equal(json.terraform.required_version, version);
      assert.deepEqual(json.terraform.required_providers.aws, {
        source: "hashicorp/aws",
        version: AWS_PROVIDER_VERSION,
      });
      const hcl = readFileSync(synthesizePipeline(config, join(outdir, "h"), true).file, "utf8");
      const block = parseHclFile(hcl).find((b) => b.kind === "block" && b.type === "terraform");
      assert.ok(block !== undefined && block.kind === "block");
      const attribute = block.body.find((a) => a.kind === "attribute" && a.name === "required_version");
      assert.deepEqual(attribute?.kind === "attribute" ? attribute.value : undefined, {
        kind: "template",
        parts: [version],
      });
    }
  });

  it("says what to run next", () => {
    const text = nextSteps({ stackName: "s", directory: "cdktf.out/stacks/s", file: "cdktf.out/stacks/s/cdk.tf" });
    assert.match(text, /cd cdktf\.out\/stacks\/s\n {2}terraform init\n {2}terraform plan -out=pipeline\.tfplan/);
    assert.match(text, /npm run handoff -- cdktf\.out\/stacks\/s\/outputs\.json/);
  });
});
