import type { AccountRegion } from "./arns.ts";
import { PolicyBuildError, type PolicyDocument, type PolicyStatement, policyDocument } from "./policy-document.ts";

/** Where the worker's configuration is kept; ECS reads it when a task starts. */
export type WorkerConfigSource =
  | { kind: "ssm_parameter"; parameterArn: string }
  | { kind: "secrets_manager"; secretArn: string };

export interface ExecutionGrant {
  where: AccountRegion;
  /** The private ECR repository of the image; absent for registries that need no IAM permission. */
  imageRepositoryArn?: string;
  /** `arn:…:logs:<region>:<account>:log-group:<name>` (without `:*`): the container's log group. */
  logGroupArn: string;
  config: WorkerConfigSource;
  /** Secrets Manager secrets injected into the container (the Devo domain's certificate, key and chain). */
  secretArns: readonly string[];
  /** A customer-managed key encrypting the parameter or secrets; absent when they use AWS managed keys. */
  kmsKeyArn?: string;
}

const LOG_GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[A-Za-z0-9_/.#-]{1,512}$/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_./-]{1,1011}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const REPOSITORY_ARN = /^arn:aws[a-z-]*:ecr:[a-z0-9-]+:\d{12}:repository\/[a-z0-9][a-z0-9._/-]*$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

const NAME = "ECS task execution policy";

/** A literal ARN must match; a value known only at apply time (a created resource's `arn`) is taken as it is. */
function check(what: string, arn: string, pattern: RegExp): void {
  if (arn.includes("*") || (arn.startsWith("arn:") && !pattern.test(arn))) {
    throw new PolicyBuildError(NAME, `not a single ${what} ARN: ${JSON.stringify(arn)}`);
  }
}

/**
 * Identity policy of the worker's task execution role: what ECS itself needs to start the task, and nothing the
 * worker needs once it runs (that is the task role's reader policy). Pull the image from its one repository,
 * write to the one log group, read the one configuration parameter or secret and the certificate secrets, and
 * decrypt them with the pipeline key only through SSM / Secrets Manager.
 *
 * `ecr:GetAuthorizationToken` is the one statement on `*`: the action has no resource type (the token is for the
 * registry, not a repository), so IAM accepts no other Resource for it.
 */
export function buildEcsExecutionPolicy(grant: ExecutionGrant): PolicyDocument {
  const { where } = grant;
  check("log group", grant.logGroupArn, LOG_GROUP_ARN);
  if (grant.imageRepositoryArn !== undefined) check("ECR repository", grant.imageRepositoryArn, REPOSITORY_ARN);
  if (grant.config.kind === "ssm_parameter") check("SSM parameter", grant.config.parameterArn, PARAMETER_ARN);
  else check("Secrets Manager secret", grant.config.secretArn, SECRET_ARN);
  for (const arn of grant.secretArns) check("Secrets Manager secret", arn, SECRET_ARN);
  if (grant.kmsKeyArn !== undefined) check("KMS key", grant.kmsKeyArn, KMS_KEY_ARN);

  const statements: PolicyStatement[] = [];
  if (grant.imageRepositoryArn !== undefined) {
    statements.push(
      {
        Sid: "AuthenticateToRegistry",
        Effect: "Allow",
        Action: "ecr:GetAuthorizationToken",
        Resource: "*",
      },
      {
        Sid: "PullWorkerImage",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: grant.imageRepositoryArn,
      },
    );
  }
  statements.push({
    Sid: "WriteWorkerLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: `${grant.logGroupArn}:log-stream:*`,
  });
  const secretArns = [...new Set(grant.secretArns)];
  if (grant.config.kind === "ssm_parameter") {
    statements.push({
      Sid: "ReadWorkerConfig",
      Effect: "Allow",
      // ECS fetches `secrets` from Parameter Store with GetParameters (plural), never GetParameter.
      Action: "ssm:GetParameters",
      Resource: grant.config.parameterArn,
    });
  } else {
    secretArns.unshift(grant.config.secretArn);
  }
  if (secretArns.length > 0) {
    statements.push({
      Sid: "ReadWorkerSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: secretArns.length === 1 ? secretArns[0] : secretArns,
    });
  }
  if (grant.kmsKeyArn !== undefined) {
    const services = [
      ...(grant.config.kind === "ssm_parameter" ? [`ssm.${where.region}.amazonaws.com`] : []),
      ...(secretArns.length > 0 ? [`secretsmanager.${where.region}.amazonaws.com`] : []),
    ];
    statements.push({
      Sid: "DecryptWorkerSecrets",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: grant.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": services.length === 1 ? services[0] : services } },
    });
  }
  return policyDocument(NAME, "identity", statements);
}
