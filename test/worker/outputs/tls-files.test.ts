import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { runRunCommand } from "../../../worker/cli/run-command.ts";
import { captureIo } from "../../helpers/capture-io.ts";
import { makeTestCerts, type TestCerts } from "../../helpers/certs.ts";

/**
 * The Devo output's certificate files are checked at start-up: every problem at once, as a configuration error (exit
 * 2: a supervisor must not restart into the same mistake), and no file read without bound.
 */
describe("the Devo output's certificate files at start-up", () => {
  let certs: TestCerts;
  before(async () => {
    certs = await makeTestCerts();
  });
  after(async () => {
    await certs?.remove();
  });

  async function run(outputs: Record<string, unknown>) {
    const config = join(certs.dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(
      config,
      stringify({
        outputs,
        inputs: {
          sqs_collector: {
            region: "eu-west-1",
            base_url: "https://sqs.eu-west-1.amazonaws.com/111122223333/q",
            services: { aws_sqs_cloudtrail: {} },
          },
        },
      }),
    );
    const io = captureIo();
    const code = await runRunCommand(["--config", config, "--certs-dir", certs.dir], io.io);
    return { code, stderr: io.err() };
  }

  const devo = (config: Record<string, unknown>) => ({
    type: "devo_platform",
    config: { address: "localhost", port: 1, ...config },
  });

  it("a missing file and a key of another certificate: both reported, exit 2", async () => {
    const result = await run({
      devo_1: devo({ chain: "missing-chain.crt", cert: certs.clientCert, key: certs.clientKey }),
      devo_2: devo({ chain: certs.caCert, cert: certs.clientCert, key: certs.rogueClientKey }),
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /outputs\.devo_1\.config\.chain: cannot read .*missing-chain\.crt: ENOENT/);
    assert.match(result.stderr, /outputs\.devo_2\.config: key .* does not belong to certificate/);
  });

  it("refuses a file that is not a regular file (chain: /dev/zero), without reading it", async () => {
    const result = await run({ devo_1: devo({ chain: "/dev/zero", cert: certs.clientCert, key: certs.clientKey }) });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /outputs\.devo_1\.config\.chain: \/dev\/zero is not a regular file/);
  });

  it("refuses a file far too big to be a PEM file", async () => {
    const big = join(certs.dir, "big.crt");
    await writeFile(big, Buffer.alloc(2 * 1024 * 1024, 0x41));
    const result = await run({ devo_1: devo({ chain: big, cert: certs.clientCert, key: certs.clientKey }) });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /outputs\.devo_1\.config\.chain: .*big\.crt is 2097152 bytes; a PEM file is a few kilobytes/,
    );
  });
});
