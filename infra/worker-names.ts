/**
 * Names of the ECS worker's resources, derived from `name_prefix`. The stack needs some of them before the
 * resources exist (the key policy names the log group; policies name the parameter), so they live in one place.
 */
export interface WorkerNames {
  cluster: string;
  service: string;
  taskFamily: string;
  logGroup: string;
  taskRole: string;
  executionRole: string;
  securityGroup: string;
  /** Parameter Store name (a path: `/` separated, leading `/`). */
  configParameter: string;
  /** Secrets Manager name of the configuration, when it is kept there. */
  configSecret: string;
  certificateSecrets: { chain: string; cert: string; key: string };
}

export function workerNames(namePrefix: string): WorkerNames {
  return {
    cluster: `${namePrefix}-workers`,
    service: `${namePrefix}-worker`,
    taskFamily: `${namePrefix}-worker`,
    logGroup: `/ecs/${namePrefix}/worker`,
    taskRole: `${namePrefix}-worker-task`,
    executionRole: `${namePrefix}-worker-execution`,
    securityGroup: `${namePrefix}-worker`,
    configParameter: `/${namePrefix}/worker/config`,
    configSecret: `${namePrefix}/worker/config`,
    certificateSecrets: {
      chain: `${namePrefix}/worker/devo-chain-crt`,
      cert: `${namePrefix}/worker/devo-domain-crt`,
      key: `${namePrefix}/worker/devo-domain-key`,
    },
  };
}
