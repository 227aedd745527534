import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { isAbsolute, resolve } from "node:path";
import process from "node:process";
import tls from "node:tls";
import { envReferenceName, readEnvVariable } from "../../config/env-reference.ts";
import type { NetworkOutputConfig } from "../../config/outputs-schema.ts";

/** What a connection needs to open TLS: built once per output, so every connection reuses one secure context. */
export interface TlsSettings {
  secureContext: tls.SecureContext;
  /** SNI; undefined for IP addresses (SNI carries host names only). */
  servername: string | undefined;
  checkServerIdentity: (host: string, cert: tls.PeerCertificate) => Error | undefined;
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  /**
   * Where each PEM came from, for error messages: the resolved path, or `env:NAME` for a variable. Names only:
   * file contents and variable values never leave this module.
   */
  files: { chain?: string; cert?: string; key?: string };
  /** Whether a client certificate is presented (then TLS 1.3 needs the confirmation described in the connection). */
  clientCertificate: boolean;
}

/**
 * Reads the PEM files (relative paths against `certsDir`; `env:NAME` from environment variable NAME) and builds
 * the secure context at start-up, so a missing file or variable, a key that does not match its certificate or a
 * wrong passphrase fails before any work, naming the config key and the file or variable — never the PEM text or
 * the passphrase.
 */
export function loadTlsSettings(config: NetworkOutputConfig, certsDir: string, where: string): TlsSettings {
  const files: TlsSettings["files"] = {};
  // Every problem of the output is found before any is reported: fixing them one restart at a time is slow.
  const problems: string[] = [];
  const attempt = <T>(step: () => T): T | undefined => {
    try {
      return step();
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  };
  const read = (key: "chain" | "cert" | "key"): Buffer | undefined => {
    const value = config[key];
    if (value === undefined) return undefined;
    const variable = envReferenceName(value);
    if (variable !== undefined) {
      files[key] = value;
      return Buffer.from(pemFromVariable(readVariable(variable, `${where}.config.${key}`)));
    }
    const path = isAbsolute(value) ? value : resolve(certsDir, value);
    files[key] = path;
    return readPemFile(path, `${where}.config.${key}`);
  };
  const ca = attempt(() => read("chain"));
  const cert = attempt(() => read("cert"));
  const key = attempt(() => read("key"));
  if (ca !== undefined && !ca.includes("-----BEGIN CERTIFICATE-----")) {
    problems.push(`${where}.config.chain: ${files.chain} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  if (cert !== undefined && !cert.includes("-----BEGIN CERTIFICATE-----")) {
    problems.push(`${where}.config.cert: ${files.cert} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  const passphrase = attempt(() => readPassphrase(config.key_passphrase, where));
  if (problems.length === 0 && cert !== undefined && key !== undefined) {
    attempt(() => checkKeyPair(cert, key, passphrase, files, where));
  }
  if (problems.length > 0) throw new TlsSetupError(problems);

  let secureContext: tls.SecureContext;
  try {
    secureContext = tls.createSecureContext({
      // Without `chain` the platform's CA store applies (a relay with a publicly signed certificate).
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key, passphrase } : {}),
      minVersion: config.min_tls_version,
      maxVersion: config.max_tls_version,
      ...(config.sec_level !== undefined ? { ciphers: `DEFAULT:@SECLEVEL=${config.sec_level}` } : {}),
    });
  } catch (error) {
    throw new Error(`${where}.config: ${describeContextError(error as Error, files)}`, { cause: error });
  }

  const serverName = config.server_name ?? config.address;
  const checkServerIdentity = config.check_hostname
    ? (_host: string, peer: tls.PeerCertificate) => tls.checkServerIdentity(serverName, peer)
    : () => undefined;
  return {
    secureContext,
    servername: isIP(serverName) === 0 ? serverName : undefined,
    checkServerIdentity,
    minVersion: config.min_tls_version,
    maxVersion: config.max_tls_version,
    files,
    clientCertificate: cert !== undefined,
  };
}

/** PEM files are a few kilobytes; a bigger one is not a certificate (and `/dev/zero` would never end). */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;

/** The PEM file at `path`, if it is a regular file of a sane size; otherwise an error naming the config key. */
function readPemFile(path: string, configKey: string): Buffer {
  let size: number;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw new Error(`${configKey}: ${path} is not a regular file`);
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new Error(`${configKey}: cannot read ${path}: ${code}`, { cause: error });
  }
  if (size > MAX_PEM_FILE_BYTES) {
    throw new Error(
      `${configKey}: ${path} is ${size} bytes; a PEM file is a few kilobytes (limit ${MAX_PEM_FILE_BYTES})`,
    );
  }
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${configKey}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      cause: error,
    });
  }
}

/** Every problem of an output's TLS files, each naming its config key: a configuration error (exit 2). */
export class TlsSetupError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

/** A set, non-blank variable's value; otherwise an error naming the config key and the variable, not any value. */
function readVariable(name: string, configKey: string): string {
  const value = readEnvVariable(name);
  if (value === undefined) {
    const state = process.env[name] === undefined ? "is not set" : "is empty";
    throw new Error(`${configKey}: environment variable ${name} ${state}`);
  }
  return value;
}

/** `key_passphrase` as given, or from its variable when it is `env:NAME`. */
function readPassphrase(value: string | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  const variable = envReferenceName(value);
  return variable === undefined ? value : readVariable(variable, `${where}.config.key_passphrase`);
}

/**
 * PEM text as kept in a variable. A value with no line break but literal `\n` sequences (how PEM often travels in
 * .env files and JSON) gets its line breaks back: PEM's alphabet has no backslash, so nothing else is changed.
 */
function pemFromVariable(value: string): string {
  return !value.includes("\n") && value.includes("\\n") ? value.replaceAll("\\n", "\n") : value;
}

/**
 * Checks that the key opens and belongs to the certificate. OpenSSL checks this too when it builds the context under
 * Node, but Deno's context does not, and a mismatch would otherwise surface only as a refused handshake.
 */
function checkKeyPair(
  cert: Buffer,
  key: Buffer,
  passphrase: string | undefined,
  files: TlsSettings["files"],
  where: string,
): void {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key, format: "pem", ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch (error) {
    throw new Error(`${where}.config.key: ${describeKeyError(error as Error, key, files)}`, { cause: error });
  }
  let certificateKey: KeyObject;
  try {
    certificateKey = new X509Certificate(cert).publicKey;
  } catch (error) {
    throw new Error(
      `${where}.config.cert: cannot read ${files.cert} as a PEM certificate: ${openSslReason(error as Error)}`,
      {
        cause: error,
      },
    );
  }
  const ours = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const theirs = certificateKey.export({ format: "der", type: "spki" });
  if (!ours.equals(theirs)) {
    throw new Error(`${where}.config: key ${files.key} does not belong to certificate ${files.cert}`);
  }
}

/**
 * Whether a PEM key is encrypted: PKCS#8 (`-----BEGIN ENCRYPTED PRIVATE KEY-----`) or OpenSSL's traditional format
 * (`Proc-Type: 4,ENCRYPTED` under `-----BEGIN RSA/EC PRIVATE KEY-----`).
 */
export function isEncryptedPem(pem: Buffer | string): boolean {
  const text = typeof pem === "string" ? pem : pem.toString("latin1");
  return text.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----") || /^Proc-Type:\s*4\s*,\s*ENCRYPTED\s*$/m.test(text);
}

const WRONG_PASSPHRASE = "wrong or missing key_passphrase";

/**
 * Why a key could not be read. An encrypted key that does not open is always a passphrase problem, whatever OpenSSL
 * says: a wrong passphrase yields random plaintext, and a few times in a thousand that plaintext ends in valid CBC padding,
 * so OpenSSL gets past "bad decrypt" and reports the DER decoder's failure ("DECODER routines::unsupported") instead.
 */
function describeKeyError(error: Error, key: Buffer, files: TlsSettings["files"]): string {
  const reason = openSslReason(error);
  if (isEncryptedPem(key) || /passphrase|decrypt|password/i.test(reason)) {
    return `cannot decrypt key ${files.key}: ${WRONG_PASSPHRASE}`;
  }
  return `cannot read key ${files.key} as a PEM private key: ${reason}`;
}

function describeContextError(error: Error, files: TlsSettings["files"]): string {
  const reason = openSslReason(error);
  if (/key values mismatch/i.test(reason)) return `key ${files.key} does not belong to certificate ${files.cert}`;
  if (/bad decrypt|bad password|interrupted or cancelled/i.test(reason)) {
    return `cannot decrypt key ${files.key}: ${WRONG_PASSPHRASE}`;
  }
  if (/no start line|unsupported|decoder|PEM/i.test(reason)) {
    return `cannot read the PEM key or certificates (${files.key ?? ""} ${files.cert ?? ""} ${files.chain ?? ""}): ${reason}`;
  }
  if (/too small|too weak/i.test(reason)) {
    return `${reason}: the certificate or key is below the OpenSSL security level; sec_level: 1 admits older certificates`;
  }
  return reason;
}

/** OpenSSL's reason text without its source-file coordinates (`error:0A000418:SSL routines:…:file.c:918:`). */
export function openSslReason(error: Error): string {
  const withReason = error as Error & { reason?: string };
  if (typeof withReason.reason === "string" && withReason.reason !== "") return withReason.reason;
  const first = error.message.split("\n")[0];
  const match = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(first);
  return match ? match[1] : first;
}
