import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import type { NetworkOutput } from "../../../worker/outputs/network/network-output.ts";
import { makeTestCerts, type TestCerts } from "../../helpers/certs.ts";
import { freePort } from "../../helpers/syslog-ng.ts";
import { TlsSink } from "../../helpers/tls-sink.ts";
import { batchesOf, buildOutput, countArrivals, startTcpCollector } from "./network-output-fixture.ts";

/** Behaviour that needs no syslog-ng: failures, compression, backpressure, start-up checks. */
describe("network output", () => {
  let certs: TestCerts;

  before(async () => {
    certs = await makeTestCerts();
  });

  after(async () => {
    await certs?.remove();
  });

  const tlsConfig = (port: number, extra: Record<string, unknown> = {}) => ({
    address: "localhost",
    port,
    chain: "ca.crt",
    cert: "client.crt",
    key: "client.key",
    settle_ms: 50,
    ...extra,
  });

  it("sends each flush as one gzip member of complete lines", async () => {
    const sink = await TlsSink.start({
      serverCert: certs.serverCert,
      serverKey: certs.serverKey,
      clientCa: certs.caCert,
      gzip: true,
    });
    try {
      const { output } = await buildOutput("devo_platform", tlsConfig(sink.port, { gzip: true }), certs.dir);
      await Promise.all(batchesOf("gz", 5000, 250).map((batch) => output.send(batch)));
      await output.close();
      await sink.waitForLines(5000);
      assert.deepEqual(countArrivals(sink.lines, "gz", 5000), { missing: [], duplicated: [] });
      assert.ok(output.stats.bytesWritten < output.stats.bytes / 3, "compressed on the wire");
    } finally {
      await sink.close();
    }
  });

  it("re-sends what was not confirmed when the receiver drops the connection", async () => {
    const sink = await TlsSink.start({
      serverCert: certs.serverCert,
      serverKey: certs.serverKey,
      clientCa: certs.caCert,
    });
    try {
      const { output } = await buildOutput(
        "devo_platform",
        tlsConfig(sink.port, { settle_ms: 2000, reconnect_base_seconds: 0.01 }),
        certs.dir,
      );
      const first = output.send(batchesOf("drop", 100, 100)[0]);
      await sink.waitForLines(100);
      sink.dropConnections();
      await first;
      await output.close();
      assert.equal(output.stats.resentEvents, 100);
      assert.equal(output.stats.reconnects, 1);
      const { missing, duplicated } = countArrivals(sink.lines, "drop", 100);
      assert.equal(missing.length, 0);
      assert.equal(duplicated.length, 100, "at least once: the first copy was never confirmed");
    } finally {
      await sink.close();
    }
  });

  it("holds at most buffer_bytes and makes senders wait while the receiver does not read", async () => {
    const collector = await startTcpCollector({ paused: true });
    try {
      const { output } = await buildOutput(
        "syslog",
        { address: "127.0.0.1", port: collector.port, type: "TCP", buffer_bytes: 64 * 1024, settle_ms: 10 },
        certs.dir,
      );
      const network = output as NetworkOutput;
      // 20 MB offered at once, in batches of ~20 KiB: far more than the kernel's socket buffers plus 64 KiB.
      const big = "x".repeat(1000);
      let delivered = 0;
      const sends = Array.from({ length: 1000 }, (_, i) =>
        output
          .send(Array.from({ length: 20 }, (_, j) => ({ tag: "my.app.bp", message: `bp-${i * 20 + j} ${big}` })))
          .then(() => delivered++),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok(network.buffered > 0 && network.buffered <= 64 * 1024, `holding ${network.buffered} characters`);
      assert.ok(delivered < 1000, "senders are held back while the receiver does not read");
      collector.resume();
      await Promise.all(sends);
      await output.close();
      assert.equal(collector.received().split("\n").length - 1, 20_000);
      assert.equal(network.buffered, 0);
    } finally {
      await collector.close();
    }
  });

  it("fails a batch after delivery_timeout_seconds when the connection is refused, with one clear line", async () => {
    const port = await freePort();
    const { output, logs } = await buildOutput(
      "devo_platform",
      tlsConfig(port, { delivery_timeout_seconds: 0.4, reconnect_base_seconds: 0.05, reconnect_max_seconds: 0.1 }),
      certs.dir,
    );
    await assert.rejects(
      output.send(batchesOf("refused", 3, 3)[0]),
      new RegExp(
        `^Error: output out: not delivered within 0.4 s \\(delivery_timeout_seconds\\): tls://localhost:${port}: connection refused .*\\[ECONNREFUSED\\]$`,
      ),
    );
    const warnings = logs.filter((log) => log.level === 40);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0].msg, /connection refused/);
    assert.equal(output.stats.events, 0);
    assert.ok(output.stats.connectionErrors >= 2, "it kept retrying");
    await output.close();
  });

  it("names an unknown host", async () => {
    const { output } = await buildOutput(
      "devo_platform",
      { ...tlsConfig(443, { delivery_timeout_seconds: 0.3 }), address: "no-such-collector.invalid" },
      certs.dir,
    );
    await assert.rejects(
      output.send(batchesOf("dns", 1, 1)[0]),
      /tls:\/\/no-such-collector\.invalid:443: (unknown host: DNS has no address for no-such-collector\.invalid \[ENOTFOUND\]|DNS lookup of no-such-collector\.invalid failed temporarily \[EAI_AGAIN\]|no TCP\/TLS connection within)/,
    );
    await output.close();
  });

  it("rejects sends after close", async () => {
    const { output } = await buildOutput("devo_platform", tlsConfig(1), certs.dir);
    await output.close();
    await assert.rejects(output.send(batchesOf("closed", 1, 1)[0]), /output out: send after close/);
  });

  describe("start-up checks", () => {
    it("names the config key and file when a certificate file is missing", async () => {
      await assert.rejects(
        buildOutput("devo_platform", tlsConfig(1, { cert: "missing.crt" }), certs.dir),
        new RegExp(`^Error: outputs\\.out\\.config\\.cert: cannot read ${certs.dir}/missing\\.crt: ENOENT$`),
      );
    });

    it("says when the key does not belong to the certificate, without printing either", async () => {
      const error = await buildOutput("devo_platform", tlsConfig(1, { key: "rogue-client.key" }), certs.dir).then(
        () => assert.fail("expected a start-up error"),
        (caught: Error) => caught,
      );
      assert.match(
        error.message,
        /^outputs\.out\.config: key .*rogue-client\.key does not belong to certificate .*client\.crt$/,
      );
      assert.doesNotMatch(error.message, /BEGIN|PRIVATE/);
    });

    it("opens an encrypted key with key_passphrase, and never echoes a wrong one", async () => {
      await promisify(execFile)(
        "openssl",
        ["pkey", "-in", "client.key", "-aes256", "-passout", "pass:right-secret", "-out", "client-encrypted.key"],
        { cwd: certs.dir },
      );
      const { output } = await buildOutput(
        "devo_platform",
        tlsConfig(1, { key: "client-encrypted.key", key_passphrase: "right-secret" }),
        certs.dir,
      );
      await output.close();
      const error = await buildOutput(
        "devo_platform",
        tlsConfig(1, { key: "client-encrypted.key", key_passphrase: "wrong-secret" }),
        certs.dir,
      ).then(
        () => assert.fail("expected a start-up error"),
        (caught: Error) => caught,
      );
      assert.match(
        error.message,
        /^outputs\.out\.config\.key: cannot decrypt key .*client-encrypted\.key: wrong or missing key_passphrase$/,
      );
      assert.doesNotMatch(`${error.message} ${String(error.cause)}`, /wrong-secret|right-secret/);
    });

    it("refuses a chain file that holds no certificate", async () => {
      await assert.rejects(
        buildOutput("devo_platform", tlsConfig(1, { chain: "client.key" }), certs.dir),
        /outputs\.out\.config\.chain: .*client\.key holds no PEM certificate/,
      );
    });

    it("resolves absolute paths as given", async () => {
      const { output } = await buildOutput(
        "devo_platform",
        tlsConfig(1, { chain: certs.caCert, cert: certs.clientCert, key: certs.clientKey }),
        "/nonexistent",
      );
      await output.close();
    });
  });
});
