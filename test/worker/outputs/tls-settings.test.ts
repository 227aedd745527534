import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPrivateKey } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type NetworkOutputConfig, outputsSchema } from "../../../worker/config/outputs-schema.ts";
import { isEncryptedPem, loadTlsSettings } from "../../../worker/outputs/network/tls-settings.ts";
import { makeTestCerts, type TestCerts } from "../../helpers/certs.ts";

/**
 * An encrypted key that does not open is a passphrase problem, whatever OpenSSL calls it. A wrong passphrase yields
 * random plaintext; a few times in a thousand it ends in valid CBC padding, OpenSSL gets past "bad decrypt" and reports
 * the DER decoder's failure ("DECODER routines::unsupported") instead. These tests make that case certain rather
 * than waiting for it, and assert on our message only.
 */
describe("TLS settings: encrypted keys", () => {
  let certs: TestCerts;
  let plainKey: Buffer;

  before(async () => {
    certs = await makeTestCerts();
    plainKey = await readFile(certs.clientKey);
  });

  after(async () => {
    await certs?.remove();
  });

  /** An output's config as the worker parses it, with `key` and `key_passphrase` set per call. */
  let base: NetworkOutputConfig;
  before(() => {
    const section = outputsSchema.parse({
      out: {
        type: "devo_platform",
        config: { address: "localhost", port: 1, chain: "ca.crt", cert: "client.crt", key: "client.key" },
      },
    });
    base = section.out.config as NetworkOutputConfig;
  });

  const load = (key: string, passphrase?: string) =>
    loadTlsSettings(
      { ...base, key, ...(passphrase !== undefined ? { key_passphrase: passphrase } : {}) },
      certs.dir,
      "outputs.out",
    );

  const expectWrongPassphrase = (file: string, passphrase: string | undefined) => {
    const message = new RegExp(
      `^outputs\\.out\\.config\\.key: cannot decrypt key .*${file.replaceAll(".", "\\.")}: wrong or missing key_passphrase$`,
    );
    let caught: Error | undefined;
    try {
      load(file, passphrase);
    } catch (error) {
      caught = error as Error;
    }
    assert.ok(caught, `expected a start-up error for ${file}`);
    assert.match(caught.message, message);
    if (passphrase !== undefined) {
      assert.doesNotMatch(`${caught.message} ${String(caught.cause)}`, new RegExp(passphrase));
    }
  };

  /** The client key encrypted with `passphrase`, as PKCS#8 or as OpenSSL's traditional SEC1 with Proc-Type. */
  const encrypted = (format: "pkcs8" | "sec1", passphrase: string): string =>
    createPrivateKey(plainKey).export({ type: format, format: "pem", cipher: "aes-256-cbc", passphrase }) as string;

  for (const format of ["pkcs8", "sec1"] as const) {
    it(`${format}: opens with the right passphrase`, async () => {
      const file = `client-${format}-ok.key`;
      await writeFile(join(certs.dir, file), encrypted(format, "right-secret"));
      assert.ok(load(file, "right-secret").secureContext);
    });

    it(`${format}: reports a passphrase problem when decryption passes its padding check but the key does not decode`, async () => {
      // The right passphrase, but the first ciphertext block flipped: CBC garbles the first plaintext block (the DER
      // header) and leaves the last block and its padding intact. This is exactly what a wrong passphrase with a lucky
      // padding byte looks like to OpenSSL, made certain.
      const file = `client-${format}-garbled.key`;
      await writeFile(join(certs.dir, file), garbleFirstCipherBlock(encrypted(format, "right-secret")));
      expectWrongPassphrase(file, "right-secret");
    });

    it(`${format}: reports every wrong passphrase as one, whatever OpenSSL says`, async () => {
      const file = `client-${format}-wrong.key`;
      await writeFile(join(certs.dir, file), encrypted(format, "right-secret"));
      // Enough tries that the decoder's failure most likely turns up (sec1 tries are cheap, PKCS#8 runs PBKDF2); the
      // test above makes it certain.
      const tries = format === "sec1" ? 1500 : 500;
      for (let i = 0; i < tries; i++) expectWrongPassphrase(file, `wrong-secret-${i}`);
    });

    it(`${format}: reports a missing passphrase`, async () => {
      const file = `client-${format}-nopass.key`;
      await writeFile(join(certs.dir, file), encrypted(format, "right-secret"));
      expectWrongPassphrase(file, undefined);
    });
  }

  it("reads an unencrypted key that does not decode as such, not as a passphrase problem", async () => {
    await writeFile(join(certs.dir, "client-garbled-plain.key"), garbleFirstCipherBlock(plainKey.toString()));
    assert.throws(
      () => load("client-garbled-plain.key"),
      /^Error: outputs\.out\.config\.key: cannot read key .*client-garbled-plain\.key as a PEM private key: /,
    );
  });

  it("recognises both encrypted PEM forms, and only those", () => {
    assert.equal(isEncryptedPem(encrypted("pkcs8", "x")), true);
    assert.equal(isEncryptedPem(encrypted("sec1", "x")), true);
    assert.equal(isEncryptedPem(Buffer.from(encrypted("sec1", "x").replaceAll("\n", "\r\n"))), true);
    assert.equal(isEncryptedPem(plainKey), false);
  });
});

/**
 * Flips the first byte of a PEM's encrypted content. For PKCS#8 (`EncryptedPrivateKeyInfo ::= SEQUENCE {
 * encryptionAlgorithm, encryptedData OCTET STRING }`) that is the first byte of `encryptedData`; for the traditional
 * format (and an unencrypted key) the whole base64 body is the content.
 */
function garbleFirstCipherBlock(pem: string): string {
  const lines = pem.trim().split(/\r?\n/);
  // The header: the BEGIN line, then any `Name: value` lines and the blank line that ends them.
  let headerEnd = lines.findIndex((line, i) => i > 0 && !line.includes(":"));
  if (lines[headerEnd] === "") headerEnd++;
  const der = Buffer.from(lines.slice(headerEnd, -1).join(""), "base64");
  let offset = 0;
  if (lines[0] === "-----BEGIN ENCRYPTED PRIVATE KEY-----") {
    const outer = derHeader(der, 0);
    const algorithm = derHeader(der, outer.contentStart);
    const data = derHeader(der, algorithm.contentStart + algorithm.length);
    assert.equal(der[algorithm.contentStart + algorithm.length], 0x04, "encryptedData is an OCTET STRING");
    assert.ok(data.length >= 48, "at least three cipher blocks, so the padding block stays intact");
    offset = data.contentStart;
  }
  der[offset] ^= 0xff;
  const body = der.toString("base64").match(/.{1,64}/g) ?? [];
  return [...lines.slice(0, headerEnd), ...body, lines.at(-1), ""].join("\n");
}

/** Length and content start of the DER element at `at`. */
function derHeader(der: Buffer, at: number): { length: number; contentStart: number } {
  const first = der[at + 1];
  if (first < 0x80) return { length: first, contentStart: at + 2 };
  let length = 0;
  for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + der[at + 2 + i];
  return { length, contentStart: at + 2 + (first & 0x7f) };
}
