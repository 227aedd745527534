import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { credentialsSchema, optionalCredentialsSchema } from "../../../worker/config/credentials-schema.ts";

const BASE = "arn:aws:iam::837131528613:role/devo-xaccount-cs-role";
const TARGET = "arn:aws:iam::123456789012:role/devo/DevoReader";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

function issues(input: unknown) {
  const result = credentialsSchema.safeParse(input);
  assert.equal(result.success, false, "expected a validation error");
  return result.error!.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("credentials schema", () => {
  it("normalizes the AWS collector's names", () => {
    const out = credentialsSchema.parse({
      access_key: "AKIAIOSFODNN7EXAMPLE",
      access_secret: SECRET,
      base_assume_role: BASE,
      target_assume_role: TARGET,
      assume_role_external_id: "devo-ext:42/a=b",
    });
    assert.deepEqual(out, {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: SECRET,
      baseRoleArn: BASE,
      targetRoleArn: TARGET,
      externalId: "devo-ext:42/a=b",
    });
  });

  it("normalizes the SQS collector's names to the same shape", () => {
    const out = credentialsSchema.parse({
      aws_access_key_id: "AKIAIOSFODNN7EXAMPLE",
      aws_secret_access_key: SECRET,
      aws_session_token: "token-1234",
      aws_base_account_role: BASE,
      aws_cross_account_role: TARGET,
      aws_external_id: "ext-id",
    });
    assert.deepEqual(out, {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: SECRET,
      sessionToken: "token-1234",
      baseRoleArn: BASE,
      targetRoleArn: TARGET,
      externalId: "ext-id",
    });
  });

  it("treats blank and null values as not given, and a missing block as the default chain", () => {
    assert.deepEqual(credentialsSchema.parse({ access_key: "", access_secret: null, profile: "  " }), {});
    assert.equal(optionalCredentialsSchema.parse(undefined), undefined);
    assert.equal(optionalCredentialsSchema.parse(null), undefined);
    assert.deepEqual(credentialsSchema.parse({ target_assume_role: TARGET }), { targetRoleArn: TARGET });
  });

  it("rejects a key without its secret, naming the missing field in the spelling used", () => {
    assert.deepEqual(issues({ access_key: "AKIAIOSFODNN7EXAMPLE" }), [
      { path: "access_secret", message: "`access_key` is given without its secret access key" },
    ]);
    assert.deepEqual(issues({ aws_secret_access_key: SECRET }), [
      { path: "aws_access_key_id", message: "`aws_secret_access_key` is given without its access key id" },
    ]);
  });

  it("rejects synonyms given together, unknown keys and wrong types", () => {
    assert.equal(
      issues({ access_key: "A", aws_access_key_id: "B", access_secret: SECRET })[0].path,
      "aws_access_key_id",
    );
    assert.ok(issues({ acess_key: "x" }).some((i) => /acess_key/.test(i.message)));
    assert.ok(issues({ access_key: 42, access_secret: SECRET }).some((i) => i.path === "access_key"));
  });

  it("validates role ARNs and the ExternalId", () => {
    assert.deepEqual(
      issues({ target_assume_role: "arn:aws:iam::12345:role/x" }).map((i) => i.path),
      ["target_assume_role"],
    );
    assert.deepEqual(
      issues({ aws_cross_account_role: "arn:aws:iam::123456789012:user/x" }).map((i) => i.path),
      ["aws_cross_account_role"],
    );
    assert.ok(credentialsSchema.safeParse({ target_assume_role: "arn:aws-cn:iam::123456789012:role/p/q/r" }).success);
    assert.deepEqual(
      issues({ target_assume_role: TARGET, assume_role_external_id: "x" }).map((i) => i.path),
      ["assume_role_external_id"],
    );
    assert.deepEqual(
      issues({ target_assume_role: TARGET, aws_external_id: "has space" }).map((i) => i.path),
      ["aws_external_id"],
    );
    assert.ok(credentialsSchema.safeParse({ target_assume_role: TARGET, aws_external_id: "a".repeat(1224) }).success);
    assert.equal(
      credentialsSchema.safeParse({ target_assume_role: TARGET, aws_external_id: "a".repeat(1225) }).success,
      false,
    );
    assert.deepEqual(
      issues({ assume_role_external_id: "abc" }).map((i) => i.path),
      ["assume_role_external_id"],
    );
    assert.deepEqual(
      issues({ base_assume_role: BASE }).map((i) => i.path),
      ["base_assume_role"],
    );
  });

  it("never echoes a secret in its errors", () => {
    const result = credentialsSchema.safeParse({
      access_key: "AKIAIOSFODNN7EXAMPLE",
      access_secret: SECRET,
      aws_secret_access_key: SECRET,
      target_assume_role: "not-an-arn",
      profile: "p",
    });
    assert.equal(result.success, false);
    const text = JSON.stringify(result.error!.issues) + result.error!.message;
    assert.ok(!text.includes(SECRET));
  });
});
