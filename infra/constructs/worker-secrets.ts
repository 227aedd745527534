import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret/index.js";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter/index.js";
import { Construct } from "constructs";
import type { AccountRegion } from "../../policies/arns.ts";
import type { WorkerConfigSource } from "../../policies/ecs-execution-policy.ts";
import type { EcsWorkerConfig } from "../worker-config.ts";
import type { WorkerNames } from "../worker-names.ts";

export interface WorkerSecretsProps {
  where: AccountRegion;
  names: WorkerNames;
  configStore: EcsWorkerConfig["configStore"];
  /** Given certificate secrets; absent: three empty secrets are created for the team to fill. */
  certificates?: EcsWorkerConfig["certificates"];
  /** Days a deleted secret stays recoverable (0: deleted at once, so the stack can be recreated right away). */
  recoveryWindowDays: number;
  /** The pipeline key (KMS mode); absent: AWS managed keys (aws/ssm, aws/secretsmanager). */
  kmsKeyArn?: string;
}

/** Stands in for the configuration until `npm run handoff` output is put in its place. */
const PLACEHOLDER = "# replace with handoff/worker-config.yaml: see docs/deploy-ecs.md";

/**
 * Where the running worker's secrets are kept: its configuration (a SecureString parameter or a secret) and the
 * Devo domain's certificate, key and CA chain (secrets). Terraform creates the containers, never their contents:
 * the configuration is written by `npm run handoff` after the first apply (it needs the stack's outputs) and is
 * ignored by later applies; created certificate secrets have no value until the team puts one, so private keys
 * never pass through Terraform state.
 */
export class WorkerSecrets extends Construct {
  readonly config: WorkerConfigSource;
  /** The configuration's parameter name or secret ARN, for the team's put-parameter / put-secret-value. */
  readonly configLocation: string;
  readonly certificateArns: { chain: string; cert: string; key: string };

  constructor(scope: Construct, id: string, props: WorkerSecretsProps) {
    super(scope, id);
    const { names, where } = props;
    if (props.configStore === "ssm_parameter") {
      const parameter = new SsmParameter(this, "config-parameter", {
        name: names.configParameter,
        description: "aws-devo-collector configuration (Devo collector format) read by the ECS worker at start",
        type: "SecureString",
        // Standard (free) while the file fits 4 KB, Advanced once it does not, without a change here.
        tier: "Intelligent-Tiering",
        ...(props.kmsKeyArn === undefined ? {} : { keyId: props.kmsKeyArn }),
        value: PLACEHOLDER,
        lifecycle: { ignoreChanges: ["value"] },
      });
      // Built from the name (a path, so `parameter` + name): known at synth time, and what the policy grants.
      const parameterArn = `arn:${where.partition}:ssm:${where.region}:${where.account}:parameter${names.configParameter}`;
      this.config = { kind: "ssm_parameter", parameterArn };
      this.configLocation = parameter.name;
    } else {
      const secret = this.secret("config-secret", names.configSecret, "aws-devo-collector configuration", props);
      this.config = { kind: "secrets_manager", secretArn: secret.arn };
      this.configLocation = secret.arn;
    }
    this.certificateArns = props.certificates
      ? {
          chain: props.certificates.chainSecretArn,
          cert: props.certificates.certSecretArn,
          key: props.certificates.keySecretArn,
        }
      : {
          chain: this.secret("chain", names.certificateSecrets.chain, "Devo CA chain (chain.crt), PEM", props).arn,
          cert: this.secret("cert", names.certificateSecrets.cert, "Devo domain certificate (domain.crt), PEM", props)
            .arn,
          key: this.secret("key", names.certificateSecrets.key, "Devo domain private key (domain.key), PEM", props).arn,
        };
  }

  private secret(id: string, name: string, description: string, props: WorkerSecretsProps): SecretsmanagerSecret {
    return new SecretsmanagerSecret(this, id, {
      name,
      description: `${description}; read by the ECS worker at start`,
      recoveryWindowInDays: props.recoveryWindowDays,
      ...(props.kmsKeyArn === undefined ? {} : { kmsKeyId: props.kmsKeyArn }),
    });
  }
}
