import { type App, Testing } from "cdktf";
import { parsePipelineConfig } from "../../../infra/config.ts";
import { PipelineStack } from "../../../infra/pipeline-stack.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { evaluate, parseJsonTemplate } from "./hcl.ts";

/** Values of the synthesized JSON: untyped by nature, checked by the assertions that read them. */
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON has no static type
export type Json = any;

/** A resource of the synthesized `cdk.tf.json`, with its Terraform type and logical name. */
export interface SynthResource {
  type: string;
  name: string;
  /** `type.name`, as `depends_on` and references write it. */
  address: string;
  config: Record<string, Json>;
}

/** The ExternalId a generated `terraform_data` resolves to in these tests. */
export const GENERATED_EXTERNAL_ID = "5f0c3d2e-8b1a-4c6f-9e7d-2a4b6c8d0e1f";
/** The random suffix Secrets Manager appends to a created secret's ARN, in these tests. */
export const SECRET_SUFFIX = "Xy12Ab";
/** The id a created security group resolves to in these tests. */
export const WORKER_SECURITY_GROUP_ID = "sg-0fedcba9876543210";
/** The ARN a created KMS key resolves to in these tests. */
export const CREATED_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";

/**
 * One synthesized stack, parsed, with the references inside it resolvable: each resource attribute a policy or
 * output refers to is given the value AWS would give it (ARNs and URLs built from the resource's own settings),
 * so documents can be taken out of the synth and evaluated as they will be at apply time.
 */
export class Synth {
  readonly json: Record<string, Json>;
  readonly resources: SynthResource[];
  readonly account: string;
  readonly region: string;

  constructor(json: Record<string, Json>, account: string, region: string) {
    this.json = json;
    this.account = account;
    this.region = region;
    this.resources = Object.entries((json.resource ?? {}) as Record<string, Record<string, Json>>).flatMap(
      ([type, byName]) =>
        Object.entries(byName).map(([name, config]) => ({ type, name, address: `${type}.${name}`, config })),
    );
  }

  ofType(type: string): SynthResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of a type matching `predicate`; fails when there is none or several. */
  one(type: string, predicate: (r: SynthResource) => boolean = () => true): SynthResource {
    const found = this.ofType(type).filter(predicate);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0];
  }

  byAddress(address: string): SynthResource {
    const found = this.resources.find((r) => r.address === address);
    if (found === undefined) throw new Error(`no resource ${address}`);
    return found;
  }

  /** Evaluates a configuration value (a template string, or a structure holding some) as Terraform will. */
  value(raw: unknown): unknown {
    if (typeof raw === "string") return evaluate(parseJsonTemplate(raw), (path) => this.resolve(path));
    if (Array.isArray(raw)) return raw.map((v) => this.value(v));
    if (raw !== null && typeof raw === "object") {
      return Object.fromEntries(
        Object.entries(raw)
          .filter(([k]) => k !== "//")
          .map(([k, v]) => [k, this.value(v)]),
      );
    }
    return raw;
  }

  /** A JSON document attribute (policy, redrive policy, event pattern) as the object AWS will receive. */
  document(resource: SynthResource, attribute: string): Json {
    const raw = resource.config[attribute];
    if (typeof raw !== "string") throw new Error(`${resource.address}.${attribute} is not a string`);
    return JSON.parse(this.value(raw) as string);
  }

  output(name: string): unknown {
    const output = this.json.output?.[name];
    if (output === undefined) throw new Error(`no output ${name}`);
    return this.value(output.value);
  }

  private resolve(path: string): unknown {
    const match = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)(.*)$/.exec(path);
    if (match === null) throw new Error(`unexpected reference ${path}`);
    const [, type, name, rest] = match;
    const resource = this.byAddress(`${type}.${name}`).config;
    const { account, region } = this;
    const attribute = rest.replace(/^\./, "");
    const known: Record<string, Record<string, () => unknown>> = {
      aws_sqs_queue: {
        arn: () => `arn:aws:sqs:${region}:${account}:${resource.name}`,
        url: () => `https://sqs.${region}.amazonaws.com/${account}/${resource.name}`,
        id: () => `https://sqs.${region}.amazonaws.com/${account}/${resource.name}`,
      },
      aws_sns_topic: { arn: () => `arn:aws:sns:${region}:${account}:${resource.name}` },
      aws_kms_key: {
        arn: () => `arn:aws:kms:${region}:${account}:key/${CREATED_KEY_ID}`,
        key_id: () => CREATED_KEY_ID,
      },
      aws_s3_bucket: {
        id: () => resource.bucket,
        bucket: () => resource.bucket,
        arn: () => `arn:aws:s3:::${resource.bucket}`,
      },
      aws_iam_role: { arn: () => `arn:aws:iam::${account}:role/${resource.name}`, name: () => resource.name },
      aws_iam_policy: { arn: () => `arn:aws:iam::${account}:policy/${resource.name}` },
      aws_cloudwatch_event_rule: {
        name: () => resource.name,
        arn: () => `arn:aws:events:${region}:${account}:rule/${resource.name}`,
      },
      terraform_data: { 'output["external_id"]': () => GENERATED_EXTERNAL_ID },
      aws_secretsmanager_secret: {
        arn: () => `arn:aws:secretsmanager:${region}:${account}:secret:${resource.name}-${SECRET_SUFFIX}`,
      },
      aws_ssm_parameter: { name: () => resource.name },
      aws_ecs_cluster: {
        name: () => resource.name,
        arn: () => `arn:aws:ecs:${region}:${account}:cluster/${resource.name}`,
      },
      aws_ecs_service: { name: () => resource.name },
      aws_ecs_task_definition: {
        arn: () => `arn:aws:ecs:${region}:${account}:task-definition/${resource.family}:1`,
      },
      aws_cloudwatch_log_group: {
        name: () => resource.name,
        arn: () => `arn:aws:logs:${region}:${account}:log-group:${resource.name}`,
      },
      aws_security_group: { id: () => WORKER_SECURITY_GROUP_ID },
      aws_appautoscaling_target: {
        resource_id: () => resource.resource_id,
        scalable_dimension: () => resource.scalable_dimension,
        service_namespace: () => resource.service_namespace,
      },
    };
    const getter = known[type]?.[attribute];
    if (getter === undefined) throw new Error(`no test value for ${path}`);
    return this.value(getter());
  }
}

let appOutdir: string | undefined;

/**
 * `Testing.app()` with an output directory that is removed when the tests end: on its own it makes a new
 * `cdktf.outdir.*` under the temp directory for every app and never removes it (`Testing.synth` writes nothing
 * there, so one directory serves every app of the process).
 */
export function testingApp(): App {
  appOutdir ??= tempDir("cdktf-test-app-");
  return Testing.app({ outdir: appOutdir });
}

/** Validates a configuration object exactly as `infra/main.ts` does, builds the stack and synthesizes it. */
export function synthesize(rawConfig: unknown): Synth {
  const config = parsePipelineConfig(rawConfig, "(test)");
  const stack = new PipelineStack(testingApp(), config);
  return new Synth(JSON.parse(Testing.synth(stack)), config.account, config.region);
}
