import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { outputsSchema } from "../../../worker/config/outputs-schema.ts";
import { makeTestCerts, type TestCerts } from "../../helpers/certs.ts";
import { parseDevoLine, SyslogNg, syslogNgSkipReason } from "../../helpers/syslog-ng.ts";
import { TlsSink } from "../../helpers/tls-sink.ts";
import { allArrived, batchesOf, buildOutput, countArrivals, sendAll } from "./network-output-fixture.ts";

/**
 * `chain`, `cert`, `key` and `key_passphrase` given as `env:NAME` (how ECS hands secrets to a task): the same
 * mutual TLS as with files, and start-up errors that name the output, the key and the variable, never a value.
 */

/** Every variable a test sets, removed afterwards so no test sees another's. */
const SET: string[] = [];
function setEnv(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    process.env[name] = value;
    SET.push(name);
  }
}
function clearEnv(): void {
  for (const name of SET.splice(0)) delete process.env[name];
}

const ENV_CONFIG = {
  chain: "env:TEST_DEVO_CHAIN_CRT",
  cert: "env:TEST_DEVO_DOMAIN_CRT",
  key: "env:TEST_DEVO_DOMAIN_KEY",
};

describe("TLS certificates from environment variables", () => {
  let certs: TestCerts;
  let pems: { chain: string; cert: string; key: string; rogueKey: string };

  before(async () => {
    certs = await makeTestCerts();
    pems = {
      chain: await readFile(certs.caCert, "utf8"),
      cert: await readFile(certs.clientCert, "utf8"),
      key: await readFile(certs.clientKey, "utf8"),
      rogueKey: await readFile(certs.rogueClientKey, "utf8"),
    };
  });
  after(async () => {
    clearEnv();
    await certs?.remove();
  });

  const setPems = (
    overrides: Partial<Record<"TEST_DEVO_CHAIN_CRT" | "TEST_DEVO_DOMAIN_CRT" | "TEST_DEVO_DOMAIN_KEY", string>> = {},
  ) =>
    setEnv({
      TEST_DEVO_CHAIN_CRT: pems.chain,
      TEST_DEVO_DOMAIN_CRT: pems.cert,
      TEST_DEVO_DOMAIN_KEY: pems.key,
      ...overrides,
    });

  /** No base64 line of any PEM in `text`. */
  const assertNoPem = (text: string) => {
    for (const pem of Object.values(pems)) {
      for (const line of pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))) {
        assert.ok(!text.includes(line), "PEM text leaked into a message or log");
      }
    }
  };

  const tlsConfig = (port: number, extra: Record<string, unknown> = {}) => ({
    address: "localhost",
    port,
    ...ENV_CONFIG,
    settle_ms: 50,
    ...extra,
  });

  /** The start-up error of an output built from `config`; fails when the output starts. */
  async function startupError(config: Record<string, unknown>): Promise<Error> {
    return buildOutput("devo_platform", config, "/nonexistent").then(
      () => assert.fail("expected a start-up error"),
      (caught: Error) => caught,
    );
  }

  it("delivers over mutual TLS with chain, certificate and key from variables (no certs folder at all)", async () => {
    setPems();
    const sink = await TlsSink.start({
      serverCert: certs.serverCert,
      serverKey: certs.serverKey,
      clientCa: certs.caCert,
    });
    try {
      const { output } = await buildOutput("devo_platform", tlsConfig(sink.port), "/nonexistent");
      await sendAll(output, batchesOf("env-mtls", 500, 50), 4);
      await output.close();
      assert.equal(output.stats.events, 500);
      const { missing, duplicated } = countArrivals(sink.lines, "env-mtls", 500);
      assert.deepEqual({ missing: missing.length, duplicated: duplicated.length }, { missing: 0, duplicated: 0 });
    } finally {
      await sink.close();
      clearEnv();
    }
  });

  it("the receiver still refuses a certificate it does not trust, when that certificate comes from a variable", async () => {
    setPems({
      TEST_DEVO_DOMAIN_CRT: await readFile(certs.rogueClientCert, "utf8"),
      TEST_DEVO_DOMAIN_KEY: pems.rogueKey,
    });
    const sink = await TlsSink.start({
      serverCert: certs.serverCert,
      serverKey: certs.serverKey,
      clientCa: certs.caCert,
    });
    try {
      const { output, logs } = await buildOutput(
        "devo_platform",
        tlsConfig(sink.port, { delivery_timeout_seconds: 1, reconnect_base_seconds: 0.05, max_tls_version: "TLSv1.2" }),
        "/nonexistent",
      );
      const failure = await output.send(batchesOf("rogue", 5, 5)[0]).then(
        () => assert.fail("expected the batch to fail"),
        (caught: Error) => caught,
      );
      assert.match(failure.message, /not delivered within 1 s/);
      await output.close();
      assert.equal(sink.lineCount, 0, "nothing was accepted");
      assertNoPem(`${JSON.stringify(logs)} ${failure.message}`);
    } finally {
      await sink.close();
      clearEnv();
    }
  });

  it("names the output, the key path and the variable when a variable is not set, or empty", async () => {
    setPems();
    delete process.env.TEST_DEVO_DOMAIN_CRT;
    const unset = await startupError(tlsConfig(1));
    assert.equal(unset.message, "outputs.out.config.cert: environment variable TEST_DEVO_DOMAIN_CRT is not set");
    setEnv({ TEST_DEVO_DOMAIN_CRT: pems.cert, TEST_DEVO_CHAIN_CRT: "  \n" });
    const empty = await startupError(tlsConfig(1));
    assert.equal(empty.message, "outputs.out.config.chain: environment variable TEST_DEVO_CHAIN_CRT is empty");
    clearEnv();
  });

  it("refuses a key that does not belong to the certificate, naming both variables and printing neither", async () => {
    setPems({ TEST_DEVO_DOMAIN_KEY: pems.rogueKey });
    const error = await startupError(tlsConfig(1));
    assert.equal(
      error.message,
      "outputs.out.config: key env:TEST_DEVO_DOMAIN_KEY does not belong to certificate env:TEST_DEVO_DOMAIN_CRT",
    );
    setPems({ TEST_DEVO_CHAIN_CRT: pems.key });
    const chain = await startupError(tlsConfig(1));
    assert.match(chain.message, /^outputs\.out\.config\.chain: env:TEST_DEVO_CHAIN_CRT holds no PEM certificate/);
    assertNoPem(`${error.message} ${chain.message}`);
    clearEnv();
  });

  it("opens an encrypted key with key_passphrase from a variable, and never echoes the passphrase", async () => {
    const { stdout: encrypted } = await promisify(execFile)("openssl", [
      "pkey",
      "-in",
      certs.clientKey,
      "-aes256",
      "-passout",
      "pass:right-secret",
    ]);
    setPems({ TEST_DEVO_DOMAIN_KEY: encrypted });
    setEnv({ TEST_DEVO_KEY_PASSPHRASE: "right-secret" });
    const { output } = await buildOutput(
      "devo_platform",
      tlsConfig(1, { key_passphrase: "env:TEST_DEVO_KEY_PASSPHRASE" }),
      "/nonexistent",
    );
    await output.close();

    setEnv({ TEST_DEVO_KEY_PASSPHRASE: "wrong-secret" });
    const wrong = await startupError(tlsConfig(1, { key_passphrase: "env:TEST_DEVO_KEY_PASSPHRASE" }));
    assert.equal(
      wrong.message,
      "outputs.out.config.key: cannot decrypt key env:TEST_DEVO_DOMAIN_KEY: wrong or missing key_passphrase",
    );
    assert.doesNotMatch(`${wrong.message} ${String(wrong.cause)}`, /wrong-secret|right-secret/);

    delete process.env.TEST_DEVO_KEY_PASSPHRASE;
    const missing = await startupError(tlsConfig(1, { key_passphrase: "env:TEST_DEVO_KEY_PASSPHRASE" }));
    assert.equal(
      missing.message,
      "outputs.out.config.key_passphrase: environment variable TEST_DEVO_KEY_PASSPHRASE is not set",
    );
    clearEnv();
  });

  it("takes PEM text whose line breaks travel as literal \\n (one-line .env or JSON values)", async () => {
    const oneLine = (pem: string) => pem.trimEnd().replaceAll("\n", "\\n");
    setPems({ TEST_DEVO_DOMAIN_CRT: oneLine(pems.cert), TEST_DEVO_DOMAIN_KEY: oneLine(pems.key) });
    const { output } = await buildOutput("devo_platform", tlsConfig(1), "/nonexistent");
    await output.close();
    clearEnv();
  });

  it("checks the variable name when the configuration is validated, with the exact path", () => {
    const parsed = outputsSchema.safeParse({
      devo_1: { type: "devo_platform", config: { address: "collector-eu.devo.io", ...ENV_CONFIG, cert: "env:1BAD" } },
    });
    assert.equal(parsed.success, false);
    const issue = parsed.error?.issues[0];
    assert.deepEqual(issue?.path, ["devo_1", "config", "cert"]);
    assert.match(String(issue?.message), /`env:` must be followed by an environment variable name/);
    const empty = outputsSchema.safeParse({
      devo_1: { type: "devo_platform", config: { address: "x", ...ENV_CONFIG, key: "env:" } },
    });
    assert.deepEqual(empty.error?.issues[0]?.path, ["devo_1", "config", "key"]);
  });
});

describe("devo_platform output into syslog-ng over mutual TLS, certificates from variables", {
  skip: syslogNgSkipReason(),
}, () => {
  let certs: TestCerts;
  let receiver: SyslogNg;

  before(async () => {
    certs = await makeTestCerts();
    receiver = await SyslogNg.start({
      tls: "mutual",
      serverCert: certs.serverCert,
      serverKey: certs.serverKey,
      caFile: certs.caCert,
    });
    setEnv({
      TEST_DEVO_CHAIN_CRT: await readFile(certs.caCert, "utf8"),
      TEST_DEVO_DOMAIN_CRT: await readFile(certs.clientCert, "utf8"),
      TEST_DEVO_DOMAIN_KEY: await readFile(certs.clientKey, "utf8"),
    });
  });
  after(async () => {
    clearEnv();
    await receiver?.dispose();
    await certs?.remove();
  });

  it("delivers every event exactly once with tag and host", async () => {
    const { output } = await buildOutput(
      "devo_platform",
      { address: "localhost", port: receiver.port, type: "SSL", ...ENV_CONFIG, settle_ms: 200 },
      "/nonexistent",
    );
    await sendAll(output, batchesOf("env-syslog-ng", 2000, 100, "cloud.aws.cloudtrail.iam"), 4);
    await output.close();
    const received = await receiver.settleWhen(allArrived("env-syslog-ng", 2000), 300);
    const { missing, duplicated } = countArrivals(received, "env-syslog-ng", 2000);
    assert.deepEqual({ missing: missing.length, duplicated: duplicated.length }, { missing: 0, duplicated: 0 });
    const ours = received.map(parseDevoLine).filter((line) => line.message.startsWith("env-syslog-ng-"));
    assert.ok(ours.every((line) => line.tag === "cloud.aws.cloudtrail.iam" && line.host === "test-host"));
  });
});
