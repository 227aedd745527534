import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { App } from "cdktf";
import type { PipelineConfig } from "./config.ts";
import { renderTerraformBlockAttributes, unquoteReferenceLists } from "./hcl-references.ts";
import { PipelineStack } from "./pipeline-stack.ts";

export interface SynthesizedStack {
  stackName: string;
  /** The stack's folder, where `terraform init` runs. */
  directory: string;
  /** `cdk.tf.json` or `cdk.tf`, the only configuration file left in {@link directory}. */
  file: string;
}

/**
 * Synthesizes the pipeline into `<outdir>/stacks/<stack>/`, as JSON (`cdk.tf.json`) or HCL (`cdk.tf`). The other
 * format's file from an earlier run is removed: Terraform reads every `*.tf` and `*.tf.json` of a folder, so both
 * side by side declare every output twice and `terraform init` fails.
 */
export function synthesizePipeline(config: PipelineConfig, outdir: string, hcl: boolean): SynthesizedStack {
  // A cdktf stack takes its format from SYNTH_HCL_OUTPUT when it is constructed (there is no option for it), the
  // App from the same variable over its option: both are given the format asked for, and the variable restored.
  const before = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = String(hcl);
  let app: App;
  let stack: PipelineStack;
  try {
    app = new App({ outdir, hclOutput: hcl });
    stack = new PipelineStack(app, config);
    app.synth();
  } finally {
    if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = before;
  }
  const directory = join(app.outdir, "stacks", stack.node.id);
  const file = join(directory, hcl ? "cdk.tf" : "cdk.tf.json");
  if (hcl) {
    const { required_providers, backend, cloud, ...plain } = stack.toTerraform().terraform as Record<string, unknown>;
    const text = unquoteReferenceLists(readFileSync(file, "utf8"));
    writeFileSync(file, renderTerraformBlockAttributes(text, plain as Record<string, string>));
  }
  const other = join(directory, hcl ? "cdk.tf.json" : "cdk.tf");
  if (existsSync(other)) rmSync(other);
  return { stackName: stack.node.id, directory, file };
}

/** What to run after `synth`, printed by `infra/main.ts`. */
export function nextSteps(synthesized: SynthesizedStack): string {
  return [
    "next:",
    `  cd ${synthesized.directory}`,
    "  terraform init",
    "  terraform plan -out=pipeline.tfplan   # read what will be created, replaced or destroyed",
    "  terraform apply pipeline.tfplan",
    `  terraform output -json > outputs.json   # then, from the project: npm run handoff -- ${join(synthesized.directory, "outputs.json")} --devo-region <us|eu|ca|ap>`,
    "",
  ].join("\n");
}
