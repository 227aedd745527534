import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACCOUNT, ecsWorkerKmsScenario, ecsWorkerScenario, OTHER_ACCOUNT, REGION } from "../infra/helpers/scenarios.ts";
import { CREATED_KEY_ID, SECRET_SUFFIX, type Synth, synthesize } from "../infra/helpers/synth.ts";
import { itReadsOnlyTheDirectPipeline } from "./helpers/reader-expectations.ts";
import { decide } from "./helpers/simulate.ts";

/**
 * The ECS worker's two roles, simulated on the synthesized documents. The task role must pass exactly the reader
 * simulation Devo's cross-account role passes (same pipeline, same expectations); the execution role may start
 * the task and nothing else: pull its image, write its log group, read its configuration and certificate secrets.
 */
const ecs = synthesize(ecsWorkerScenario());
const encrypted = synthesize(ecsWorkerKmsScenario());
const taskRole = `arn:aws:iam::${ACCOUNT}:role/acme-worker-task`;
const executionRole = `arn:aws:iam::${ACCOUNT}:role/acme-worker-execution`;

function role(synth: Synth, name: string) {
  return synth.one("aws_iam_role", (r) => r.config.name === name);
}

/** The managed policies attached to a role, followed from the attachment to the policy resource. */
function attachedPolicies(synth: Synth, roleName: string) {
  return synth
    .ofType("aws_iam_role_policy_attachment")
    .filter((a) => synth.value(a.config.role) === roleName)
    .map((a) => {
      const arn = synth.value(a.config.policy_arn);
      return synth.document(
        synth.one("aws_iam_policy", (p) => `arn:aws:iam::${ACCOUNT}:policy/${p.config.name}` === arn),
        "policy",
      );
    });
}

describe("ECS task role: trusted by ECS tasks of this account and Region only", () => {
  const trust = ecs.document(role(ecs, "acme-worker-task"), "assume_role_policy");
  const assume = (context: Record<string, string>, principal = "ecs-tasks.amazonaws.com") =>
    decide({
      principal,
      action: "sts:AssumeRole",
      resource: taskRole,
      resourceAccount: ACCOUNT,
      context,
      resourcePolicy: trust,
    });
  const ownTask = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/acme-workers/0123456789abcdef0123456789abcdef`;

  it("lets ECS assume it for a task of this account", async () => {
    assert.equal(await assume({ "aws:SourceAccount": ACCOUNT, "aws:SourceArn": ownTask }), "Allowed");
  });

  it("refuses ECS on behalf of another account or Region, and any other principal", async () => {
    const foreignTask = `arn:aws:ecs:${REGION}:${OTHER_ACCOUNT}:task/x/0123456789abcdef0123456789abcdef`;
    assert.equal(
      await assume({ "aws:SourceAccount": OTHER_ACCOUNT, "aws:SourceArn": foreignTask }),
      "ImplicitlyDenied",
    );
    const otherRegion = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/x/0123456789abcdef0123456789abcdef`;
    assert.equal(await assume({ "aws:SourceAccount": ACCOUNT, "aws:SourceArn": otherRegion }), "ImplicitlyDenied");
    assert.equal(await assume({}), "ImplicitlyDenied", "no source: not a task of ours");
    assert.equal(
      await assume({ "aws:SourceAccount": ACCOUNT, "aws:SourceArn": ownTask }, "ec2.amazonaws.com"),
      "ImplicitlyDenied",
    );
  });
});

describe("ECS task role: the reader simulation of Devo's role, unchanged", () => {
  const policies = attachedPolicies(ecs, "acme-worker-task");
  it("holds the reader policy and nothing else", () => {
    assert.equal(policies.length, 1);
    assert.equal(
      ecs.ofType("aws_iam_role_policy").filter((p) => ecs.value(p.config.role) === "acme-worker-task").length,
      0,
    );
  });
  itReadsOnlyTheDirectPipeline(ecs, taskRole, policies[0]);
});

describe("ECS execution role: starts the task, reads nothing else", () => {
  const policy = ecs.document(ecs.one("aws_iam_role_policy"), "policy");
  const secret = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${SECRET_SUFFIX}`;
  const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name}`;
  const certificates = ["acme/worker/devo-chain-crt", "acme/worker/devo-domain-crt", "acme/worker/devo-domain-key"];
  const can = (action: string, resource: string, identity: unknown = policy, context?: Record<string, string>) =>
    decide({
      principal: executionRole,
      action,
      resource,
      resourceAccount: ACCOUNT,
      identityPolicies: [identity],
      context,
    });

  it("is trusted by ECS tasks and holds only its inline policy", () => {
    const trust = ecs.document(role(ecs, "acme-worker-execution"), "assume_role_policy");
    assert.deepEqual(
      trust.Statement.map((s: { Principal: unknown }) => s.Principal),
      [{ Service: "ecs-tasks.amazonaws.com" }],
    );
    assert.deepEqual(attachedPolicies(ecs, "acme-worker-execution"), []);
  });

  it("reads the configuration parameter and the three certificate secrets", async () => {
    assert.equal(await can("ssm:GetParameters", parameter("acme/worker/config")), "Allowed");
    for (const name of certificates)
      assert.equal(await can("secretsmanager:GetSecretValue", secret(name)), "Allowed", name);
  });

  it("reads no other parameter or secret, and changes none", async () => {
    for (const name of ["acme/worker/other", "acme/database/password", "acme/worker"]) {
      assert.equal(await can("ssm:GetParameters", parameter(name)), "ImplicitlyDenied", name);
    }
    assert.equal(await can("ssm:GetParametersByPath", parameter("acme/worker")), "ImplicitlyDenied");
    assert.equal(await can("ssm:PutParameter", parameter("acme/worker/config")), "ImplicitlyDenied");
    assert.equal(await can("ssm:DeleteParameter", parameter("acme/worker/config")), "ImplicitlyDenied");
    assert.equal(await can("secretsmanager:GetSecretValue", secret("acme/database")), "ImplicitlyDenied");
    assert.equal(
      await can(
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:acme/worker/devo-domain-key-Zz99Zz`,
      ),
      "ImplicitlyDenied",
      "a secret recreated under the same name is another secret",
    );
    for (const action of [
      "secretsmanager:PutSecretValue",
      "secretsmanager:DeleteSecret",
      "secretsmanager:PutResourcePolicy",
    ]) {
      assert.equal(await can(action, secret("acme/worker/devo-domain-key")), "ImplicitlyDenied", action);
    }
  });

  it("pulls its image and writes its own log group's streams", async () => {
    const repository = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/aws-devo-collector`;
    assert.equal(await can("ecr:GetAuthorizationToken", "*"), "Allowed");
    assert.equal(await can("ecr:BatchGetImage", repository), "Allowed");
    assert.equal(await can("ecr:GetDownloadUrlForLayer", repository), "Allowed");
    const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/acme/worker:log-stream:worker/worker/abc123`;
    assert.equal(await can("logs:CreateLogStream", stream), "Allowed");
    assert.equal(await can("logs:PutLogEvents", stream), "Allowed");
  });

  it("pulls no other image, pushes none, and writes no other log group", async () => {
    assert.equal(
      await can("ecr:BatchGetImage", `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments`),
      "ImplicitlyDenied",
    );
    for (const action of ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:BatchDeleteImage"]) {
      assert.equal(
        await can(action, `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/aws-devo-collector`),
        "ImplicitlyDenied",
        action,
      );
    }
    const other = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/payments:log-stream:x`;
    assert.equal(await can("logs:PutLogEvents", other), "ImplicitlyDenied");
    assert.equal(
      await can("logs:DeleteLogGroup", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/acme/worker`),
      "ImplicitlyDenied",
    );
  });

  it("cannot read the queues or objects the worker reads (that is the task role's job)", async () => {
    assert.equal(
      await can("sqs:ReceiveMessage", `arn:aws:sqs:${REGION}:${ACCOUNT}:acme-cloudtrail`),
      "ImplicitlyDenied",
    );
    assert.equal(
      await can("s3:GetObject", `arn:aws:s3:::aws-waf-logs-acme-security/AWSLogs/${ACCOUNT}/CloudTrail/t.json.gz`),
      "ImplicitlyDenied",
    );
    assert.equal(await can("sts:AssumeRole", taskRole), "ImplicitlyDenied");
    assert.equal(await can("iam:PassRole", taskRole), "ImplicitlyDenied");
  });

  it("decrypts with the pipeline key only through Parameter Store and Secrets Manager (KMS mode)", async () => {
    const encryptedPolicy = encrypted.document(encrypted.one("aws_iam_role_policy"), "policy");
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`;
    const keyPolicy = encrypted.document(encrypted.one("aws_kms_key"), "policy");
    const decrypt = (context: Record<string, string>, resource = keyArn) =>
      decide({
        principal: executionRole,
        action: "kms:Decrypt",
        resource,
        resourceAccount: ACCOUNT,
        identityPolicies: [encryptedPolicy],
        resourcePolicy: keyPolicy,
        context,
      });
    assert.equal(await decrypt({ "kms:ViaService": `ssm.${REGION}.amazonaws.com` }), "Allowed");
    assert.equal(await decrypt({ "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` }), "Allowed");
    assert.equal(await decrypt({}), "ImplicitlyDenied", "not directly");
    assert.equal(await decrypt({ "kms:ViaService": `s3.${REGION}.amazonaws.com` }), "ImplicitlyDenied");
    assert.equal(await decrypt({ "kms:ViaService": `ssm.us-east-1.amazonaws.com` }), "ImplicitlyDenied");
    assert.equal(
      await decrypt(
        { "kms:ViaService": `ssm.${REGION}.amazonaws.com` },
        `arn:aws:kms:${REGION}:${ACCOUNT}:key/99999999-8888-7777-6666-555555555555`,
      ),
      "ImplicitlyDenied",
    );
    assert.equal(
      await can("kms:Decrypt", keyArn, policy, { "kms:ViaService": `ssm.${REGION}.amazonaws.com` }),
      "ImplicitlyDenied",
      "SSE mode grants no KMS access",
    );
  });
});

describe("CloudWatch Logs and the pipeline key (KMS mode)", () => {
  it("lets this Region's CloudWatch Logs use the key, and no other principal", async () => {
    const keyPolicy = encrypted.document(encrypted.one("aws_kms_key"), "policy");
    // iam-simulate cannot carry `kms:EncryptionContext:aws:logs:arn` (a context key whose name holds colons; see
    // simulation-key.test.ts), so the statement is simulated without that condition; that the condition names
    // exactly the worker's log group is asserted in test/infra/synth-ecs-worker.test.ts.
    const logGroupArn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/acme/worker`;
    const withoutContext = {
      ...keyPolicy,
      Statement: keyPolicy.Statement.map((s: { Sid: string; Condition: Record<string, Record<string, string>> }) => {
        if (s.Sid !== "CloudWatchLogsEncryptLogGroups") return s;
        assert.deepEqual(s.Condition, { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn } });
        const { Condition: _context, ...rest } = s;
        return rest;
      }),
    };
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`;
    const use = (principal: string, action: string) =>
      decide({ principal, action, resource: keyArn, resourceAccount: ACCOUNT, resourcePolicy: withoutContext });
    for (const action of ["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"]) {
      assert.equal(await use(`logs.${REGION}.amazonaws.com`, action), "Allowed", action);
    }
    assert.equal(await use(`logs.${REGION}.amazonaws.com`, "kms:ScheduleKeyDeletion"), "ImplicitlyDenied");
    assert.equal(await use("logs.us-east-1.amazonaws.com", "kms:GenerateDataKey"), "ImplicitlyDenied");
    assert.equal(await use("ecs-tasks.amazonaws.com", "kms:Decrypt"), "ImplicitlyDenied");
  });
});
