import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { CredentialCache } from "../../../worker/aws/credential-cache.ts";
import { credentialsSchema } from "../../../worker/config/credentials-schema.ts";

const credentials = credentialsSchema.parse({
  access_key: "AKIAIOSFODNN7EXAMPLE",
  access_secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  target_assume_role: "arn:aws:iam::123456789012:role/DevoReader",
  assume_role_external_id: "devo-external-7",
});

describe("CredentialCache", () => {
  const sts = mockClient(STSClient);
  afterEach(() => sts.reset());

  it("gives every client of an input in one region the same provider, so the role is assumed once", async () => {
    // An AssumeRole response shaped as STS's API reference documents it.
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: "ASIATARGETEXAMPLE",
        SecretAccessKey: "secret-target-abcdefghijklmnop",
        SessionToken: "token-target-FwoGZXIvYXdzEJr",
        Expiration: new Date(Date.now() + 3600_000),
      },
      AssumedRoleUser: {
        Arn: "arn:aws:sts::123456789012:assumed-role/DevoReader/devo-collector",
        AssumedRoleId: "AROA:x",
      },
    });
    const cache = new CredentialCache();
    const input = { name: "aws", credentials };
    const queueClients = cache.get(input, "eu-west-1");
    const metricsSource = cache.get(input, "eu-west-1");
    assert.ok(queueClients);
    assert.equal(metricsSource, queueClients);
    await Promise.all([queueClients(), metricsSource?.(), queueClients()]);
    assert.equal(sts.commandCalls(AssumeRoleCommand).length, 1);
  });

  it("keeps regions and inputs apart (regional STS; each input its own identity)", () => {
    const cache = new CredentialCache();
    const a = cache.get({ name: "a", credentials }, "eu-west-1");
    assert.notEqual(cache.get({ name: "a", credentials }, "us-east-1"), a);
    assert.notEqual(cache.get({ name: "b", credentials }, "eu-west-1"), a);
  });

  it("remembers an input without credentials as the SDK's default chain (undefined)", () => {
    const cache = new CredentialCache();
    assert.equal(cache.get({ name: "plain" }, "eu-west-1"), undefined);
    assert.equal(cache.get({ name: "plain" }, "eu-west-1"), undefined);
  });
});
