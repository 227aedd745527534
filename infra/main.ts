import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { App } from "cdktf";
import { loadPipelineConfig, PipelineConfigError } from "./config.ts";
import { unquoteReferenceLists } from "./hcl-references.ts";
import { PipelineStack } from "./pipeline-stack.ts";

/**
 * Synthesizes the pipeline: `node infra/main.ts` (`npm run synth`) writes `cdktf.out/stacks/<stack>/cdk.tf.json`;
 * with `SYNTH_HCL_OUTPUT=true` (`npm run synth:hcl`) it writes `cdk.tf` instead, for plain Terraform or OpenTofu.
 * The configuration is `pipeline.config.yaml` in the working directory, or the file named by `PIPELINE_CONFIG`;
 * the output directory honours `CDKTF_OUTDIR` like the cdktf CLI does.
 */
function main(): number {
  const configPath = process.env.PIPELINE_CONFIG ?? "pipeline.config.yaml";
  let config: ReturnType<typeof loadPipelineConfig>;
  try {
    config = loadPipelineConfig(configPath);
  } catch (error) {
    if (error instanceof PipelineConfigError) {
      process.stderr.write(`${error.message}\n`);
      if (error.issues.some((i) => i.message.includes("file not found"))) {
        process.stderr.write(
          "Copy pipeline.config.example.yaml to pipeline.config.yaml (or set PIPELINE_CONFIG) and edit it.\n",
        );
      }
      return 1;
    }
    throw error;
  }
  const app = new App();
  const stack = new PipelineStack(app, config);
  app.synth();
  const file = app.hclOutput ? "cdk.tf" : "cdk.tf.json";
  const written = join(app.outdir, "stacks", stack.node.id, file);
  if (app.hclOutput) writeFileSync(written, unquoteReferenceLists(readFileSync(written, "utf8")));
  process.stdout.write(`synthesized stack ${stack.node.id} from ${configPath} into ${written}\n`);
  return 0;
}

process.exitCode = main();
