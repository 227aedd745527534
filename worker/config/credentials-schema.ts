import * as z from "../runtime/zod.ts";

/**
 * `inputs.<id>.credentials` of a collector configuration. Both of Devo's collectors are accepted with their own
 * names, so a customer's existing file keeps working:
 *
 * | meaning                        | AWS collector (`aws`)     | SQS collector (`sqs_collector`) |
 * |--------------------------------|---------------------------|---------------------------------|
 * | access key id                  | `access_key`              | `aws_access_key_id`             |
 * | secret access key              | `access_secret`           | `aws_secret_access_key`         |
 * | session token (ours, optional) | `session_token`           | `aws_session_token`             |
 * | first role (Devo's own role)   | `base_assume_role`        | `aws_base_account_role`         |
 * | role in the customer's account | `target_assume_role`      | `aws_cross_account_role`        |
 * | ExternalId of the target role  | `assume_role_external_id` | `aws_external_id`               |
 * | shared-config profile (ours)   | `profile`                 | `profile`                       |
 *
 * Everything is normalized to {@link AwsCredentialsConfig}. A missing `credentials` block (or one with no keys and
 * no profile) means the SDK's default chain: environment, SSO / shared config, ECS task role, EC2 instance profile.
 *
 * Empty strings and `null` count as "not given": Devo's templates carry every key, and blank ones are how unused
 * fields look in customers' files. A blank key next to a given secret is still an error (the pair check sees it).
 */

/** Role ARN in any partition (aws, aws-cn, aws-us-gov, …), role paths allowed. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/** STS's ExternalId rule: 2–1,224 characters of `[\w+=,.@:/-]`. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

const optionalText = z.pipe(
  z.optional(z.nullable(z.string())),
  z.transform((value) => (value === null || value === undefined || value.trim() === "" ? undefined : value.trim())),
);

/** Internal, normalized shape: what {@link createCredentialProvider} consumes. */
export interface AwsCredentialsConfig {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  profile?: string;
  /** Assumed first, with the static keys (or the default chain) — Devo's `devo-xaccount-cs-role` pattern. */
  baseRoleArn?: string;
  /** Assumed last, with the base role's session when there is one; carries the ExternalId. */
  targetRoleArn?: string;
  externalId?: string;
}

const rawCredentials = z.strictObject({
  access_key: optionalText,
  access_secret: optionalText,
  session_token: optionalText,
  base_assume_role: optionalText,
  target_assume_role: optionalText,
  assume_role_external_id: optionalText,
  aws_access_key_id: optionalText,
  aws_secret_access_key: optionalText,
  aws_session_token: optionalText,
  aws_base_account_role: optionalText,
  aws_cross_account_role: optionalText,
  aws_external_id: optionalText,
  profile: optionalText,
});

type RawCredentials = z.output<typeof rawCredentials>;

/**
 * What zod/mini hands a transform: the parse payload, without the `addIssue` that classic zod's transforms add.
 * {@link addIssue} pushes what classic's `addIssue` pushed: the issue, with the transform's input as `input`.
 */
interface Ctx {
  value: unknown;
  issues: z.core.$ZodRawIssue[];
}
function addIssue(ctx: Ctx, issue: { code: "custom"; path: PropertyKey[]; message: string }): void {
  ctx.issues.push({ ...issue, input: ctx.value });
}

/** Picks one of two synonymous keys; both given is ambiguous (which one did the customer mean?), so it fails. */
function pick(raw: RawCredentials, devoAws: keyof RawCredentials, devoSqs: keyof RawCredentials, ctx: Ctx) {
  const a = raw[devoAws];
  const b = raw[devoSqs];
  if (a !== undefined && b !== undefined) {
    addIssue(ctx, {
      code: "custom",
      path: [devoSqs],
      message: `\`${devoAws}\` and \`${devoSqs}\` mean the same thing; give only one`,
    });
  }
  return { value: a ?? b, key: a !== undefined ? devoAws : devoSqs };
}

function normalize(raw: RawCredentials, ctx: Ctx): AwsCredentialsConfig {
  const key = pick(raw, "access_key", "aws_access_key_id", ctx);
  const secret = pick(raw, "access_secret", "aws_secret_access_key", ctx);
  const token = pick(raw, "session_token", "aws_session_token", ctx);
  const base = pick(raw, "base_assume_role", "aws_base_account_role", ctx);
  const target = pick(raw, "target_assume_role", "aws_cross_account_role", ctx);
  const externalId = pick(raw, "assume_role_external_id", "aws_external_id", ctx);

  // The missing half is named in the spelling of the half that is there.
  const partner: Record<string, keyof RawCredentials> = {
    access_key: "access_secret",
    aws_access_key_id: "aws_secret_access_key",
    access_secret: "access_key",
    aws_secret_access_key: "aws_access_key_id",
  };
  if (key.value !== undefined && secret.value === undefined) {
    addIssue(ctx, {
      code: "custom",
      path: [partner[key.key]],
      message: `\`${key.key}\` is given without its secret access key`,
    });
  }
  if (secret.value !== undefined && key.value === undefined) {
    addIssue(ctx, {
      code: "custom",
      path: [partner[secret.key]],
      message: `\`${secret.key}\` is given without its access key id`,
    });
  }
  if (token.value !== undefined && key.value === undefined) {
    addIssue(ctx, { code: "custom", path: [token.key], message: "a session token needs an access key id and secret" });
  }
  if (raw.profile !== undefined && (key.value !== undefined || secret.value !== undefined)) {
    addIssue(ctx, {
      code: "custom",
      path: ["profile"],
      message: "give either a profile or static keys, not both",
    });
  }
  for (const role of [base, target]) {
    if (role.value !== undefined && !ROLE_ARN.test(role.value)) {
      addIssue(ctx, {
        code: "custom",
        path: [role.key],
        message: `expected an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>), got "${role.value}"`,
      });
    }
  }
  if (base.value !== undefined && target.value === undefined) {
    addIssue(ctx, {
      code: "custom",
      path: [base.key],
      message: `\`${base.key}\` is the first hop towards a target role; \`${target.key}\` is missing`,
    });
  }
  if (externalId.value !== undefined) {
    // The ExternalId is not a secret (it is shared with the account owner on purpose), but it is still not
    // echoed: a wrong one in an error message would end in the same log as a right one.
    if (!EXTERNAL_ID.test(externalId.value)) {
      addIssue(ctx, {
        code: "custom",
        path: [externalId.key],
        message: "expected 2–1224 characters of letters, digits and +=,.@:/-_",
      });
    }
    if (target.value === undefined) {
      addIssue(ctx, {
        code: "custom",
        path: [externalId.key],
        message: `an ExternalId applies to the target role; \`${target.key}\` is missing`,
      });
    }
  }

  const config: AwsCredentialsConfig = {};
  if (key.value !== undefined) config.accessKeyId = key.value;
  if (secret.value !== undefined) config.secretAccessKey = secret.value;
  if (token.value !== undefined) config.sessionToken = token.value;
  if (raw.profile !== undefined) config.profile = raw.profile;
  if (base.value !== undefined) config.baseRoleArn = base.value;
  if (target.value !== undefined) config.targetRoleArn = target.value;
  if (externalId.value !== undefined) config.externalId = externalId.value;
  return config;
}

export const credentialsSchema = z.pipe(rawCredentials, z.transform(normalize));

/** `credentials:` itself may be absent (or `null` in YAML with every line commented out): the default chain. */
// nullable, not a union with null: a union that fails reports only "Invalid input", hiding which key is wrong.
export const optionalCredentialsSchema = z.pipe(
  z.optional(z.nullable(credentialsSchema)),
  z.transform((value) => value ?? undefined),
);

export type CredentialsInput = z.input<typeof credentialsSchema>;
