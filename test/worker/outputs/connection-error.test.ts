import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeConnectionError } from "../../../worker/outputs/network/connection-error.ts";

const context = {
  target: "tls://collector-eu.devo.io:443",
  address: "collector-eu.devo.io",
  connectTimeoutMs: 10_000,
  tls: {
    files: {
      chain: "/etc/devo/certs/chain.crt",
      cert: "/etc/devo/certs/domain.crt",
      key: "/etc/devo/certs/domain.key",
    },
  } as Parameters<typeof describeConnectionError>[1]["tls"],
};

function failure(code: string, message = `failure ${code}`) {
  return Object.assign(new Error(message), { code });
}

describe("describeConnectionError", () => {
  const cases: [string, RegExp, boolean][] = [
    ["ECONNREFUSED", /connection refused/, false],
    ["ENOTFOUND", /unknown host: DNS has no address for collector-eu\.devo\.io/, false],
    ["ECONNRESET", /connection reset by the receiver/, false],
    ["CONNECT_TIMEOUT", /no TCP\/TLS connection within 10 s/, false],
    [
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      /server's certificate is not signed by chain \/etc\/devo\/certs\/chain\.crt/,
      true,
    ],
    ["SELF_SIGNED_CERT_IN_CHAIN", /not signed by chain/, true],
    ["CERT_HAS_EXPIRED", /server's certificate has expired/, true],
    ["ERR_TLS_CERT_ALTNAME_INVALID", /does not name this address/, true],
    [
      "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
      /server refused our client certificate \(certificate \/etc\/devo\/certs\/domain\.crt\)/,
      true,
    ],
    ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", /server refused our client certificate/, true],
    ["ERR_SSL_EE_KEY_TOO_SMALL", /sec_level: 1/, true],
    ["ERR_SSL_WRONG_VERSION_NUMBER", /does not speak TLS on this port/, true],
  ];
  for (const [code, expected, fatal] of cases) {
    it(`${code}: one line naming the receiver${fatal ? ", fatal" : ""}`, () => {
      const error = describeConnectionError(failure(code), context);
      assert.match(error.message, /^tls:\/\/collector-eu\.devo\.io:443: /);
      assert.match(error.message, expected);
      assert.ok(error.message.endsWith(`[${code}]`));
      assert.ok(!error.message.includes("\n"));
      assert.equal(error.fatal, fatal);
    });
  }

  it("keeps OpenSSL's reason and drops its source coordinates", () => {
    const error = describeConnectionError(
      failure(
        "ERR_SSL_SOMETHING_NEW",
        "C0B7:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad record mac:../deps/openssl/ssl/rec_layer_s3.c:918:SSL alert number 20\n",
      ),
      context,
    );
    assert.equal(error.message, "tls://collector-eu.devo.io:443: sslv3 alert bad record mac [ERR_SSL_SOMETHING_NEW]");
  });
});
