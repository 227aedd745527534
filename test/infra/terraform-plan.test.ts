import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parsePipelineConfig } from "../../infra/config.ts";
import { AWS_PROVIDER_VERSION } from "../../infra/pipeline-stack.ts";
import { synthesizePipeline } from "../../infra/synthesize.ts";
import { ACCOUNT, planScenarios, type ScenarioConfig } from "./helpers/scenarios.ts";
import {
  type CommandResult,
  findTerraform,
  inPool,
  offlineEnvironment,
  readPlanStream,
  terraform,
  writeOfflineOverride,
} from "./helpers/terraform.ts";

/**
 * Terraform itself on every synth scenario of the test suite, as JSON (`npm run synth`) and as HCL
 * (`npm run synth:hcl`): `terraform init` from the machine's provider mirror, `terraform validate`, and
 * `terraform plan -refresh=false` with fake credentials. Nothing is downloaded and no AWS API is called. A plan
 * must succeed without a warning and create exactly the resources of the synthesized stack.
 *
 * Skipped, saying why, where the CLI or the mirror is absent. Stacks run three at a time (the provider spends most
 * of a run starting up and loading its schema, not on a core), sharing one plugin cache.
 */
const root = new URL("../../", import.meta.url).pathname;
const tools = findTerraform();
const skip = typeof tools === "string" ? `Terraform is not available: ${tools}` : false;

const allConfigs: Record<string, ScenarioConfig> = {
  ...planScenarios(),
  example: { ...parseYaml(readFileSync(join(root, "pipeline.config.example.yaml"), "utf8")), account: ACCOUNT },
  full: parseYaml(readFileSync(join(root, "test/fixtures/infra/full.pipeline.yaml"), "utf8")),
};
/** `TERRAFORM_PLAN_ONLY=kms,full` narrows a local run to some scenarios; CI runs them all. */
const only = process.env.TERRAFORM_PLAN_ONLY?.split(",");
const configs = Object.fromEntries(
  Object.entries(allConfigs).filter(([name]) => only === undefined || only.includes(name)),
);

interface StackRun {
  name: string;
  resources: number;
  init: CommandResult;
  validate?: CommandResult;
  plan?: CommandResult;
}

async function runAll(): Promise<{ runs: StackRun[]; ms: number }> {
  if (typeof tools === "string") return { runs: [], ms: 0 };
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), "infra-terraform-"));
  after(() => rmSync(work, { recursive: true, force: true }));
  const env = offlineEnvironment(tools, work);
  const stacks = Object.entries(configs).flatMap(([name, raw]) =>
    [false, true].map((hcl) => {
      const outdir = join(work, `${name}-${hcl ? "hcl" : "json"}`);
      mkdirSync(outdir);
      const synthesized = synthesizePipeline(parsePipelineConfig(raw, name), outdir, hcl);
      writeOfflineOverride(synthesized.directory);
      const json = hcl
        ? undefined
        : (JSON.parse(readFileSync(synthesized.file, "utf8")) as { resource?: Record<string, object> });
      return { name: `${name} (${hcl ? "HCL" : "JSON"})`, directory: synthesized.directory, json };
    }),
  );
  // Resource counts come from the JSON synth; the HCL synth of the same configuration must plan the same number.
  const counts = new Map<string, number>();
  for (const s of stacks) {
    if (s.json === undefined) continue;
    const count = Object.values(s.json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
    counts.set(s.name.replace(/ \(JSON\)$/, ""), count);
  }
  const run = async (stack: (typeof stacks)[number]): Promise<StackRun> => {
    const resources = counts.get(stack.name.replace(/ \((JSON|HCL)\)$/, "")) ?? -1;
    const init = await terraform(["init", "-input=false", "-no-color"], stack.directory, env);
    if (init.code !== 0) return { name: stack.name, resources, init };
    const validate = await terraform(["validate", "-json", "-no-color"], stack.directory, env);
    const plan = await terraform(
      ["plan", "-refresh=false", "-input=false", "-lock=false", "-json", "-no-color"],
      stack.directory,
      env,
    );
    return { name: stack.name, resources, init, validate, plan };
  };
  // The first init fills the shared plugin cache alone; the cache is not safe for concurrent writers.
  if (stacks.length === 0) return { runs: [], ms: 0 };
  const first = await run(stacks[0]);
  const rest = await inPool(stacks.slice(1), 3, run);
  return { runs: [first, ...rest], ms: Math.round(performance.now() - started) };
}

const { runs, ms } = await runAll();
const label =
  typeof tools === "string"
    ? "terraform validate and plan"
    : `terraform ${tools.version} validate and plan -refresh=false, provider ${tools.providerVersions.join(", ")} from ${tools.mirror} (${runs.length} stacks in ${ms} ms)`;

describe(label, { skip }, () => {
  it("finds a mirrored provider version that the stack's constraint admits", () => {
    assert.ok(typeof tools !== "string");
    const admitted = tools.providerVersions.filter((v) => {
      const major = Number(v.split(".")[0]);
      return major === 5 && Number(v.split(".")[1]) >= 100;
    });
    assert.ok(admitted.length > 0, `no mirrored version within ${AWS_PROVIDER_VERSION}: ${tools.providerVersions}`);
  });

  for (const name of Object.keys(configs)) {
    for (const format of ["JSON", "HCL"]) {
      const stackName = `${name} (${format})`;
      it(`${stackName}: init, validate and plan succeed without warnings, creating every resource`, () => {
        const r = runs.find((x) => x.name === stackName);
        assert.ok(r !== undefined);
        assert.equal(r.init.code, 0, `terraform init failed:\n${r.init.stdout}\n${r.init.stderr}`);
        assert.ok(r.validate !== undefined && r.plan !== undefined);
        const validation = JSON.parse(r.validate.stdout);
        assert.equal(
          validation.valid,
          true,
          `terraform validate: ${JSON.stringify(validation.diagnostics, null, 2)}\n${r.validate.stderr}`,
        );
        assert.deepEqual(validation.diagnostics, [], "terraform validate warns");
        const { diagnostics, changes } = readPlanStream(r.plan.stdout);
        assert.deepEqual(diagnostics, [], `terraform plan reported:\n${r.plan.stderr}`);
        assert.equal(r.plan.code, 0, `terraform plan failed:\n${r.plan.stderr}`);
        assert.deepEqual(changes, { add: r.resources, change: 0, remove: 0, import: 0, operation: "plan" });
      });
    }
  }
});
