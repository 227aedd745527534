import { WORKER_METRICS_PORT, WORKER_STATE_DIR } from "../worker-config.ts";

/** Environment variables ECS fills from the parameter / secrets when the task starts. */
export const WORKER_SECRET_ENV = {
  config: "DEVO_COLLECTOR_CONFIG",
  chain: "DEVO_CHAIN_CRT",
  cert: "DEVO_DOMAIN_CRT",
  key: "DEVO_DOMAIN_KEY",
} as const;

/** The files the worker reads today, named as `npm run handoff` writes them into the output's config. */
const FILE_OF = {
  config: "config/collector.yaml",
  chain: "certs/chain.crt",
  cert: "certs/domain.crt",
  key: "certs/domain.key",
} as const;

/**
 * Where the start-up command writes the secrets: inside the state volume, the only place a read-only task with
 * the image's non-root user can write (Fargate copies the ownership the Dockerfile's VOLUME gives it; any other
 * bind mount is root's). `certs/` beside `config/` is where the worker looks for the certificates.
 */
export const WORKER_RUNTIME_DIR = `${WORKER_STATE_DIR}/.from-secrets`;

/**
 * The container's start-up command. The worker reads its configuration and certificates from files only
 * (`run --config FILE`, certificates in `certs/` beside the config's folder), so a shell writes each secret's
 * variable to its file (owner-only: umask 077), drops the variables and `exec`s the worker, which stays PID 1 and
 * receives ECS's SIGTERM itself. `printenv` copies a value byte for byte and fails (stopping the start-up) when
 * ECS did not set it. The command holds no quote, backslash or `${`, so it passes through cdktf's HCL renderer
 * and Terraform's string templates unchanged.
 *
 * Once the worker can read a configuration and certificates from environment variables, this shrinks to its
 * own command (see docs/deploy-ecs.md).
 */
export function workerStartCommand(): string {
  const dir = WORKER_RUNTIME_DIR;
  const steps = [
    "set -eu",
    "umask 077",
    `mkdir -p ${dir}/config ${dir}/certs`,
    ...(Object.keys(FILE_OF) as (keyof typeof FILE_OF)[]).map(
      (part) => `printenv ${WORKER_SECRET_ENV[part]} > ${dir}/${FILE_OF[part]}`,
    ),
    `unset ${Object.values(WORKER_SECRET_ENV).join(" ")}`,
    `exec node /opt/aws-devo-collector/aws-devo-collector.mjs run --config ${dir}/${FILE_OF.config} --metrics-port ${WORKER_METRICS_PORT}`,
  ];
  return steps.join("; ");
}

/** The image's own HEALTHCHECK, restated because ECS ignores a Dockerfile's HEALTHCHECK. */
export const WORKER_HEALTH_CHECK = [
  "CMD",
  "node",
  "-e",
  `fetch('http://127.0.0.1:${WORKER_METRICS_PORT}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
];

export interface WorkerContainerProps {
  image: string;
  stopTimeoutSeconds: number;
  logGroupName: string;
  region: string;
  /** ARNs (or apply-time references) ECS reads the secret variables from. */
  secretSources: Record<keyof typeof WORKER_SECRET_ENV, string>;
  stateVolumeName: string;
}

/**
 * The worker's one container: read-only root file system with the state volume writable, the image's non-root
 * user, secrets as variables, logs to CloudWatch, the health check on /healthz and a stop timeout longer than the
 * worker's drain.
 */
export function workerContainerDefinition(props: WorkerContainerProps): Record<string, unknown> {
  return {
    name: "worker",
    image: props.image,
    essential: true,
    user: "10001:10001",
    readonlyRootFilesystem: true,
    entryPoint: ["/bin/sh", "-c"],
    command: [workerStartCommand()],
    portMappings: [{ name: "metrics", containerPort: WORKER_METRICS_PORT, protocol: "tcp" }],
    secrets: (Object.keys(WORKER_SECRET_ENV) as (keyof typeof WORKER_SECRET_ENV)[]).map((part) => ({
      name: WORKER_SECRET_ENV[part],
      valueFrom: props.secretSources[part],
    })),
    environment: [{ name: "LOG_LEVEL", value: "info" }],
    mountPoints: [{ sourceVolume: props.stateVolumeName, containerPath: WORKER_STATE_DIR, readOnly: false }],
    healthCheck: { command: WORKER_HEALTH_CHECK, interval: 30, timeout: 5, retries: 3, startPeriod: 30 },
    stopTimeout: props.stopTimeoutSeconds,
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": props.logGroupName,
        "awslogs-region": props.region,
        "awslogs-stream-prefix": "worker",
      },
    },
  };
}
