import { relative } from "node:path";
import process from "node:process";
import { loadPipelineConfig, PipelineConfigError } from "./config.ts";
import { nextSteps, synthesizePipeline } from "./synthesize.ts";

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
  const hcl = process.env.SYNTH_HCL_OUTPUT === "true";
  const synthesized = synthesizePipeline(config, process.env.CDKTF_OUTDIR ?? "cdktf.out", hcl);
  const fromHere = relative(process.cwd(), synthesized.directory);
  const shown = { ...synthesized, directory: fromHere.startsWith("..") ? synthesized.directory : fromHere };
  process.stdout.write(`synthesized stack ${synthesized.stackName} from ${configPath} into ${synthesized.file}\n`);
  process.stdout.write(nextSteps(shown));
  return 0;
}

process.exitCode = main();
