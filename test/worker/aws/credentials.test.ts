import assert from "node:assert/strict";
import process from "node:process";
import { afterEach, beforeEach, describe, it } from "node:test";
import { AssumeRoleCommand, ExpiredTokenException, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { createCredentialProvider, redactCredentials } from "../../../worker/aws/credentials.ts";
import { credentialsSchema } from "../../../worker/config/credentials-schema.ts";

const BASE = "arn:aws:iam::837131528613:role/devo-xaccount-cs-role";
const TARGET = "arn:aws:iam::123456789012:role/DevoReader";
const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const T0 = Date.parse("2026-03-01T12:00:00Z");

/** An AssumeRole response as STS's API reference documents it. */
function assumeRoleResponse(tag: string, expiresAt: number) {
  return {
    Credentials: {
      AccessKeyId: `ASIA${tag.toUpperCase()}EXAMPLE`,
      SecretAccessKey: `secret-${tag}-abcdefghijklmnop`,
      SessionToken: `token-${tag}-FwoGZXIvYXdzEJr//////////wEaDK`,
      Expiration: new Date(expiresAt),
    },
    AssumedRoleUser: {
      Arn: `arn:aws:sts::123456789012:assumed-role/${tag}/devo-collector`,
      AssumedRoleId: `AROA3XFRBF535PLBIFPI4:devo-collector`,
    },
    PackedPolicySize: 6,
  };
}

describe("createCredentialProvider", () => {
  const sts = mockClient(STSClient);
  let clock = T0;
  beforeEach(() => {
    sts.reset();
    clock = T0;
  });
  afterEach(() => sts.reset());

  it("returns undefined (SDK default chain) when nothing is configured", () => {
    assert.equal(createCredentialProvider(undefined, { region: "eu-west-1" }), undefined);
    assert.equal(createCredentialProvider(credentialsSchema.parse({}), { region: "eu-west-1" }), undefined);
  });

  it("serves static keys as they are", async () => {
    const provider = createCredentialProvider(credentialsSchema.parse({ access_key: KEY, access_secret: SECRET }), {
      region: "eu-west-1",
    })!;
    assert.deepEqual(await provider(), { accessKeyId: KEY, secretAccessKey: SECRET });
    assert.equal(sts.calls().length, 0);
  });

  it("chains static keys → base role → target role, sending the ExternalId only to the target", async () => {
    const seen: { role: string; signer: string | undefined; endpoint: string }[] = [];
    sts.on(AssumeRoleCommand).callsFake(async (input, getClient) => {
      const client = getClient();
      const signer = await client.config.credentials();
      const endpoint = await client.config.endpoint!();
      seen.push({ role: input.RoleArn, signer: signer.accessKeyId, endpoint: `${endpoint.hostname}:${endpoint.port}` });
      return assumeRoleResponse(input.RoleArn === BASE ? "base" : "target", clock + 3600_000);
    });
    const creds = credentialsSchema.parse({
      access_key: KEY,
      access_secret: SECRET,
      base_assume_role: BASE,
      target_assume_role: TARGET,
      assume_role_external_id: "devo-external-7",
    });
    const provider = createCredentialProvider(creds, {
      region: "us-east-1",
      endpointUrl: "http://127.0.0.1:4566",
      now: () => clock,
    })!;
    const identity = await provider();
    assert.equal(identity.accessKeyId, "ASIATARGETEXAMPLE");
    assert.equal(identity.expiration?.getTime(), T0 + 3600_000);

    // The mock records `send` before the client resolves its signer (which is when the base hop runs), so the
    // order of calls is the mock's; the order of hops is what `seen` shows below.
    const inputs = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    const externalIdByRole = new Map(inputs.map((i) => [i.RoleArn, i.ExternalId]));
    assert.equal(inputs.length, 2);
    assert.equal(externalIdByRole.get(BASE), undefined);
    assert.equal(externalIdByRole.get(TARGET), "devo-external-7");
    assert.ok(inputs.every((i) => /^[\w+=,.@-]{2,64}$/.test(i.RoleSessionName!)));
    // Each hop is signed by the previous identity, and every STS client uses the configured endpoint.
    assert.deepEqual(seen, [
      { role: BASE, signer: KEY, endpoint: "127.0.0.1:4566" },
      { role: TARGET, signer: "ASIABASEEXAMPLE", endpoint: "127.0.0.1:4566" },
    ]);
  });

  it("reuses a session until the refresh margin, then refreshes once even under concurrent calls", async () => {
    let n = 0;
    sts.on(AssumeRoleCommand).callsFake(async () => {
      n += 1;
      await new Promise((r) => setTimeout(r, 5));
      return assumeRoleResponse(`s${n}`, clock + 3600_000);
    });
    const provider = createCredentialProvider(credentialsSchema.parse({ target_assume_role: TARGET }), {
      region: "eu-west-1",
      now: () => clock,
      refreshMarginMs: 300_000,
    })!;
    // No keys configured: the first hop is signed by the default chain; give it environment credentials.
    process.env.AWS_ACCESS_KEY_ID = "AKIAENVEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "env-secret-example";
    try {
      const first = await Promise.all([provider(), provider(), provider()]);
      assert.deepEqual(new Set(first.map((i) => i.accessKeyId)), new Set(["ASIAS1EXAMPLE"]));
      assert.equal(sts.commandCalls(AssumeRoleCommand).length, 1);

      clock += 3600_000 - 300_001; // just outside the margin: still cached
      assert.equal((await provider()).accessKeyId, "ASIAS1EXAMPLE");
      assert.equal(sts.commandCalls(AssumeRoleCommand).length, 1);

      clock += 2; // inside the margin: refreshed, once
      const refreshed = await Promise.all([provider(), provider()]);
      assert.deepEqual(
        refreshed.map((i) => i.accessKeyId),
        ["ASIAS2EXAMPLE", "ASIAS2EXAMPLE"],
      );
      assert.equal(sts.commandCalls(AssumeRoleCommand).length, 2);
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it("keeps a still-valid session when a refresh fails, and fails clearly once it has expired", async () => {
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(assumeRoleResponse("one", T0 + 3600_000))
      .rejects(
        new ExpiredTokenException({
          message: "The security token included in the request is expired",
          $metadata: { httpStatusCode: 400, requestId: "c6104cbe-af31-11e0-8154-cbc7ccf896c7" },
        }),
      );
    const provider = createCredentialProvider(
      credentialsSchema.parse({ access_key: KEY, access_secret: SECRET, target_assume_role: TARGET }),
      { region: "eu-west-1", now: () => clock },
    )!;
    assert.equal((await provider()).accessKeyId, "ASIAONEEXAMPLE");
    clock = T0 + 3600_000 - 60_000; // inside the margin, not expired
    assert.equal((await provider()).accessKeyId, "ASIAONEEXAMPLE");
    clock = T0 + 3600_000 + 1;
    await assert.rejects(provider(), (error: Error) => {
      assert.match(error.message, /AssumeRole arn:aws:iam::123456789012:role\/DevoReader failed/);
      assert.match(error.message, /ExpiredTokenException, HTTP 400, request c6104cbe/);
      return true;
    });
  });

  it("never lets a secret into an error message, even when the cause quotes it", async () => {
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error(`AccessDenied: signature for ${SECRET} does not match`), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const provider = createCredentialProvider(
      credentialsSchema.parse({ access_key: KEY, access_secret: SECRET, target_assume_role: TARGET }),
      { region: "eu-west-1" },
    )!;
    await assert.rejects(provider(), (error: Error) => {
      assert.ok(!error.message.includes(SECRET), error.message);
      assert.ok(!JSON.stringify(error).includes(SECRET));
      assert.equal((error as { cause?: unknown }).cause, undefined);
      assert.match(error.message, /AccessDenied, HTTP 403/);
      return true;
    });
  });
});

describe("redactCredentials", () => {
  it("masks secrets and most of the key id, in both naming schemes and the normalized shape", () => {
    const raw = {
      access_key: KEY,
      access_secret: SECRET,
      aws_session_token: "tok-123456",
      target_assume_role: TARGET,
      assume_role_external_id: "ext",
    };
    const safe = redactCredentials(raw)!;
    assert.deepEqual(safe, {
      access_key: "AKIA***",
      access_secret: "***",
      aws_session_token: "***",
      target_assume_role: TARGET,
      assume_role_external_id: "ext",
    });
    const normalized = redactCredentials(
      credentialsSchema.parse({ aws_access_key_id: KEY, aws_secret_access_key: SECRET }),
    )!;
    assert.ok(!JSON.stringify(normalized).includes(SECRET));
    assert.ok(!JSON.stringify(normalized).includes(KEY));
    assert.equal(redactCredentials(undefined), undefined);
  });
});
