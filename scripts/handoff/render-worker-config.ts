import { Document } from "yaml";
import { WORKER_SECRET_ENV } from "../../infra/constructs/worker-container.ts";
import type { Handoff, HandoffQueue } from "./build-handoff.ts";
import { AWS_COLLECTOR_QUEUE_KEY } from "./technologies.ts";

/** Devo's ingestion endpoints (DESIGN.md §6); the domain's region decides which one. */
export const DEVO_ENDPOINTS = {
  us: "collector-us.devo.io",
  eu: "collector-eu.devo.io",
  ca: "collector-ca.devo.io",
  ap: "collector-ap.devo.io",
} as const;

export interface WorkerConfigOptions {
  /** Host of the `devo_platform` output. */
  devoAddress: string;
  /** Where the worker keeps its cursors (`globals.persistence`). */
  stateDir: string;
  /** Port of /metrics and /healthz; the container's HEALTHCHECK and the systemd docs use the same one. */
  metricsPort: number;
  /**
   * `role`: assume the stack's role with its ExternalId (the role's trust policy must admit the worker's own
   * identity). `default-chain`: no credentials block, so the instance or task role is used directly — always
   * so for a `self_hosted` stack, where the reader policy is attached to the worker's role.
   */
  credentials: "role" | "default-chain";
  /**
   * `files`: `chain.crt`, `domain.crt`, `domain.key` in `certs/` (EC2, a laptop, a container with mounted files).
   * `env`: `env:DEVO_CHAIN_CRT` etc., the variables the ECS task definition fills from the certificate secrets.
   */
  certificates: "files" | "env";
}

/** Where the `devo_platform` output finds the domain's TLS material, per {@link WorkerConfigOptions.certificates}. */
function certificateSettings(certificates: WorkerConfigOptions["certificates"]) {
  return certificates === "env"
    ? {
        chain: `env:${WORKER_SECRET_ENV.chain}`,
        cert: `env:${WORKER_SECRET_ENV.cert}`,
        key: `env:${WORKER_SECRET_ENV.key}`,
      }
    : { chain: "chain.crt", cert: "domain.crt", key: "domain.key" };
}

const FILES_HEADER = [
  " Devo's collector format: the same file runs this worker (aws-devo-collector run --config FILE).",
  " Before starting: put the Devo domain's X.509 files in the certs/ folder beside this config's folder",
  " (chain.crt = Devo's CA chain, domain.crt and domain.key = the domain's certificate and key), and pick",
  " the collector-<region>.devo.io address of your Devo domain.",
];

const ENV_HEADER = [
  " For the ECS worker: put this file into the stack's worker_config_location (SSM parameter or secret);",
  " the task runs `aws-devo-collector run --config-env DEVO_COLLECTOR_CONFIG`. The certificates are read from",
  " the variables ECS fills from the worker_certificate_secrets (DEVO_CHAIN_CRT = Devo's CA chain,",
  " DEVO_DOMAIN_CRT and DEVO_DOMAIN_KEY = the domain's certificate and key): nothing is written to disk.",
  " Check the collector-<region>.devo.io address of your Devo domain.",
];

/**
 * How an input names its queue, as Devo's collector for it does: the SQS collector takes the queue URL
 * (`base_url`), the AWS collector's services the queue name in each of their regions.
 */
function queueSettings(queue: HandoffQueue): Record<string, unknown> {
  const nameKey = AWS_COLLECTOR_QUEUE_KEY[queue.service];
  if (queue.input === "aws" && nameKey !== undefined) {
    return { services: { [queue.service]: { [nameKey]: queue.queueName, regions: [queue.region] } } };
  }
  return { base_url: queue.queueUrl, services: { [queue.service]: {} } };
}

/**
 * The only buckets the worker reads for a queue, each with its owner (`x-amz-expected-bucket-owner`), so a
 * notification naming any other bucket fails to the DLQ instead of being read: the buckets the stack says notify the
 * queue (its own and `sns.external_buckets`), or else the stack's bucket, owned by the stack's account. Without
 * either the worker's default holds: any bucket, owned by the queue's account.
 */
function allowedBuckets(handoff: Handoff, queue: HandoffQueue): { allowed_buckets?: unknown[] } {
  if (queue.buckets !== undefined && queue.buckets.length > 0) {
    return { allowed_buckets: queue.buckets.map(({ bucket, owner }) => ({ bucket, owner })) };
  }
  if (handoff.bucket === undefined) return {};
  return {
    allowed_buckets: [
      /^\d{12}$/.test(handoff.accountId) ? { bucket: handoff.bucket, owner: handoff.accountId } : handoff.bucket,
    ],
  };
}

/**
 * A configuration in Devo's collector format that runs this worker against the stack's queues: one input per
 * queue (so per technology), the `devo_platform` output reading the domain's certificates from `certs/` or, for
 * ECS, from environment variables. Returned as a YAML document with comments, because a person finishes it.
 */
export function renderWorkerConfig(handoff: Handoff, options: WorkerConfigOptions): string {
  const inputs: Record<string, unknown> = {};
  for (const queue of handoff.queues) {
    const credentials =
      options.credentials === "default-chain" || handoff.roleArn === undefined || handoff.accessMode === "self_hosted"
        ? undefined
        : queue.input === "sqs_collector"
          ? { aws_cross_account_role: handoff.roleArn, aws_external_id: handoff.externalId }
          : // The AWS collector spells the same two settings its own way; Devo's collector would not read the SQS names.
            { target_assume_role: handoff.roleArn, assume_role_external_id: handoff.externalId };
    inputs[queue.name] = {
      type: queue.input,
      id: queue.name,
      enabled: queue.workerSkips === undefined,
      region: queue.region,
      ...queueSettings(queue),
      ...(credentials === undefined ? {} : { credentials }),
      ...allowedBuckets(handoff, queue),
    };
  }
  const config = {
    globals: {
      name: `aws-devo-collector-${handoff.accountId}`,
      persistence: { type: "filesystem", config: { directory_name: options.stateDir } },
      metrics: { port: options.metricsPort, host: "0.0.0.0" },
      shutdown_grace_seconds: 30,
    },
    outputs: {
      devo_1: {
        type: "devo_platform",
        config: {
          address: options.devoAddress,
          port: 443,
          type: "SSL",
          ...certificateSettings(options.certificates),
        },
      },
    },
    inputs,
  };

  const document = new Document(config);
  // In devo mode the role trusts only Devo's principal: say so where a person would try this file, and how to run it.
  const assumesDevoRole =
    options.credentials === "role" && handoff.accessMode !== "self_hosted" && handoff.roleArn !== undefined;
  document.commentBefore = [
    ` Worker configuration generated by \`npm run handoff\` from ${handoff.source}.`,
    ...(options.certificates === "env" ? ENV_HEADER : FILES_HEADER),
    ...(assumesDevoRole
      ? [
          ` The inputs assume ${handoff.roleArn} with its ExternalId. That role's trust policy admits only the`,
          " principal the stack was given (Devo's collector role by default): run from anywhere else, AssumeRole is",
          " refused (AssumeRoleError, AccessDenied). To run this worker yourself, either add your worker's role ARN to",
          " the stack's trusted principals and redeploy, or deploy the stack in self_hosted mode and regenerate with",
          " --default-credentials (the instance or task role then holds the reader policy). Check with:",
          " aws-devo-collector check --config worker-config.yaml",
        ]
      : []),
  ].join("\n");
  for (const queue of handoff.queues) {
    const node = document.getIn(["inputs", queue.name], true) as { commentBefore?: string } | undefined;
    if (node === undefined) continue;
    node.commentBefore =
      queue.workerSkips === undefined
        ? ` ${queue.label}: ${queue.service}`
        : ` ${queue.label}: ${queue.service} — disabled: ${queue.workerSkips}`;
    const allowed = document.getIn(["inputs", queue.name, "allowed_buckets"], true) as
      | { commentBefore?: string }
      | undefined;
    if (allowed !== undefined) {
      allowed.commentBefore =
        queue.buckets !== undefined && queue.buckets.length > 0
          ? " The only buckets read: those that notify this queue, as the stack lists them (its own and sns.external_buckets)."
          : " The only buckets read. Buckets of other accounts that notify this queue (sns.external_buckets) go here as {bucket, owner}.";
    }
  }
  return document.toString({ lineWidth: 0 });
}
