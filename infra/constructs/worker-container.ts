import { WORKER_METRICS_PORT, WORKER_STATE_DIR } from "../worker-config.ts";

/**
 * Environment variables ECS fills from the parameter / secrets when the task starts; the worker reads them
 * itself (`--config-env`, and `env:NAME` certificate paths written by `npm run handoff` for ECS).
 */
export const WORKER_SECRET_ENV = {
  config: "DEVO_COLLECTOR_CONFIG",
  chain: "DEVO_CHAIN_CRT",
  cert: "DEVO_DOMAIN_CRT",
  key: "DEVO_DOMAIN_KEY",
} as const;

/**
 * The image's program, as the Dockerfile's ENTRYPOINT has it (a test keeps the two equal), restated so no image
 * default can put a shell in front of it. The V8 flag caps the young generation (see the Dockerfile).
 */
export const WORKER_ENTRY_POINT = [
  "node",
  "--max-semi-space-size=16",
  "/opt/aws-devo-collector/aws-devo-collector.mjs",
];

/**
 * The worker's own start-up command, no shell: the configuration comes from its variable (`--config-env`) and the
 * generated ECS configuration names the certificates as `env:DEVO_CHAIN_CRT` etc., so nothing is written to disk
 * and the worker is PID 1, receiving ECS's SIGTERM itself.
 */
export const WORKER_COMMAND = [
  "run",
  "--config-env",
  WORKER_SECRET_ENV.config,
  "--metrics-port",
  String(WORKER_METRICS_PORT),
];

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
 * user, its own command without a shell, secrets as variables, logs to CloudWatch, the health check on /healthz and a stop timeout longer than the
 * worker's drain.
 */
export function workerContainerDefinition(props: WorkerContainerProps): Record<string, unknown> {
  return {
    name: "worker",
    image: props.image,
    essential: true,
    user: "10001:10001",
    readonlyRootFilesystem: true,
    entryPoint: WORKER_ENTRY_POINT,
    command: WORKER_COMMAND,
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
