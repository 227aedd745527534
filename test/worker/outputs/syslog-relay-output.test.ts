import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeTestCerts, type TestCerts } from "../../helpers/certs.ts";
import { parseDevoLine, SyslogNg, syslogNgSkipReason } from "../../helpers/syslog-ng.ts";
import { allArrived, batchesOf, buildOutput, countArrivals, sendAll } from "./network-output-fixture.ts";

/** The `syslog` output towards a relay: plain TCP inside a trusted network, or TLS without a client certificate. */
describe("syslog output into syslog-ng", { skip: syslogNgSkipReason() }, () => {
  let certs: TestCerts;
  let plain: SyslogNg;
  let serverTls: SyslogNg;

  before(async () => {
    certs = await makeTestCerts();
    plain = await SyslogNg.start({ tls: "none" });
    serverTls = await SyslogNg.start({ tls: "server", serverCert: certs.serverCert, serverKey: certs.serverKey });
  });

  after(async () => {
    await plain?.dispose();
    await serverTls?.dispose();
    await certs?.remove();
  });

  it("delivers over plain TCP exactly once, in the Devo line format", async () => {
    const { output } = await buildOutput(
      "syslog",
      { address: "127.0.0.1", port: plain.port, type: "TCP", settle_ms: 100 },
      certs.dir,
    );
    await sendAll(output, batchesOf("tcp", 5000, 200, "my.app.relay"), 8);
    await output.close();
    const received = await plain.settleWhen(allArrived("tcp", 5000));
    assert.deepEqual(countArrivals(received, "tcp", 5000), { missing: [], duplicated: [] });
    assert.equal(parseDevoLine(received[0]).tag, "my.app.relay");
    assert.equal(output.stats.events, 5000);
  });

  it("delivers over TLS verified against the chain, without a client certificate", async () => {
    const { output } = await buildOutput(
      "syslog",
      { address: "localhost", port: serverTls.port, type: "SSL", chain: "ca.crt", settle_ms: 100 },
      certs.dir,
    );
    await sendAll(output, batchesOf("tls", 3000, 300), 4);
    await output.close();
    assert.deepEqual(countArrivals(await serverTls.settleWhen(allArrived("tls", 3000)), "tls", 3000), {
      missing: [],
      duplicated: [],
    });
  });

  it("refuses a server whose certificate does not name the address, unless check_hostname is off", async () => {
    // The test certificate names localhost and 127.0.0.1; `server_name` makes the check look for another name.
    const strict = await buildOutput(
      "syslog",
      { address: "127.0.0.1", port: serverTls.port, type: "SSL", chain: "ca.crt", server_name: "collector.example" },
      certs.dir,
    );
    await assert.rejects(
      strict.output.send(batchesOf("hostname-strict", 1, 1)[0]),
      /does not name this address .*\[ERR_TLS_CERT_ALTNAME_INVALID\]/,
    );
    await strict.output.close();

    const lenient = await buildOutput(
      "syslog",
      {
        address: "127.0.0.1",
        port: serverTls.port,
        type: "SSL",
        chain: "ca.crt",
        server_name: "collector.example",
        check_hostname: false,
        settle_ms: 50,
      },
      certs.dir,
    );
    await lenient.output.send(batchesOf("hostname-lenient", 1, 1)[0]);
    await lenient.output.close();
    const received = await serverTls.settleWhen(allArrived("hostname-lenient", 1));
    assert.equal(countArrivals(received, "hostname-lenient", 1).missing.length, 0);
    assert.equal(countArrivals(received, "hostname-strict", 1).missing.length, 1);
  });
});
