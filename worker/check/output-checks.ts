import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import type { NetworkOutputConfig, OutputConfig } from "../config/outputs-schema.ts";
import { loadTlsSettings } from "../outputs/network/tls-settings.ts";
import { type CheckResult, fail, ok, warn } from "./check-result.ts";

/** How long the receiver may take to refuse a client certificate after a TLS 1.3 handshake (it does so late). */
const REFUSAL_WINDOW_MS = 1_500;
const CONNECT_TIMEOUT_MS = 10_000;
/** A certificate that expires within this many days is a warning. */
const EXPIRY_WARNING_DAYS = 30;

const days = (until: Date) => Math.floor((until.getTime() - Date.now()) / 86_400_000);

function expiryResult(where: string, what: string, validTo: string): CheckResult {
  const until = new Date(validTo);
  const left = days(until);
  if (left < 0) return fail(where, `${what} expired on ${until.toISOString().slice(0, 10)}`);
  if (left < EXPIRY_WARNING_DAYS)
    return warn(where, `${what} expires in ${left} days (${until.toISOString().slice(0, 10)})`);
  return ok(where, `${what} valid until ${until.toISOString().slice(0, 10)}`);
}

/**
 * An output the worker sends to: its certificate files (read as `run` reads them), the client certificate's expiry,
 * then a TLS handshake with the receiver (chain and name verified as `run` verifies them) and the receiver's
 * certificate's expiry. No event is sent: the connection is closed as soon as it is known whether the receiver
 * keeps it (TLS 1.3 receivers refuse a client certificate only after the handshake).
 */
export async function checkOutput(id: string, output: OutputConfig, certsDir: string): Promise<CheckResult[]> {
  const where = `outputs.${id}`;
  if (output.type !== "devo_platform" && output.type !== "syslog")
    return [ok(where, `${output.type} output: nothing to reach`)];
  const config = output.config as NetworkOutputConfig;
  if (config.type !== "SSL") return [await tcpCheck(where, config)];
  let settings: ReturnType<typeof loadTlsSettings>;
  try {
    settings = loadTlsSettings(config, certsDir, where);
  } catch (error) {
    return [fail(where, (error as Error).message)];
  }
  const results: CheckResult[] = [];
  if (settings.files.cert !== undefined && !settings.files.cert.startsWith("env:")) {
    const own = new X509Certificate(readFileSync(settings.files.cert));
    results.push(expiryResult(where, `client certificate ${own.subject.replaceAll("\n", ", ")}`, own.validTo));
  }
  results.push(await handshake(where, config, settings));
  return results;
}

function tcpCheck(where: string, config: NetworkOutputConfig): Promise<CheckResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: config.address, port: config.port, timeout: CONNECT_TIMEOUT_MS });
    socket.once("connect", () => {
      socket.end();
      resolve(ok(where, `${config.address}:${config.port} accepts TCP connections`));
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(fail(where, `${config.address}:${config.port}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
    });
    socket.once("error", (error: NodeJS.ErrnoException) =>
      resolve(fail(where, `${config.address}:${config.port}: ${error.code ?? error.message}`)),
    );
  });
}

function handshake(
  where: string,
  config: NetworkOutputConfig,
  settings: ReturnType<typeof loadTlsSettings>,
): Promise<CheckResult> {
  const target = `${config.address}:${config.port}`;
  return new Promise((resolve) => {
    let settled = false;
    let handshaken = false;
    const done = (result: CheckResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = tls.connect({
      host: config.address,
      port: config.port,
      secureContext: settings.secureContext,
      servername: settings.servername,
      checkServerIdentity: settings.checkServerIdentity,
      minVersion: settings.minVersion,
      maxVersion: settings.maxVersion,
    });
    const timer = setTimeout(
      () => done(fail(where, `${target}: no TLS handshake within ${CONNECT_TIMEOUT_MS / 1000} s`)),
      CONNECT_TIMEOUT_MS,
    );
    socket.once("secureConnect", () => {
      handshaken = true;
      const peer = socket.getPeerX509Certificate();
      const protocol = socket.getProtocol();
      const server = peer
        ? expiryResult(
            where,
            `${target} (${protocol}): server certificate ${peer.subject.replaceAll("\n", ", ")}`,
            peer.validTo,
          )
        : ok(where, `${target} (${protocol}): handshake done`);
      // The receiver may still refuse the client certificate: wait for its verdict, then close without sending.
      setTimeout(() => done(server), settings.clientCertificate ? REFUSAL_WINDOW_MS : 0);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const reason = error.code ?? error.message;
      const hint = /CERTIFICATE|ALERT|certificate/.test(`${reason} ${error.message}`)
        ? " (the receiver refused the client certificate, or its own certificate is not signed by `chain`: check cert, key and chain are the Devo domain's)"
        : "";
      done(fail(where, `${target}: ${error.message}${hint}`));
    });
    socket.once("close", () => {
      if (!settled && handshaken) {
        done(
          fail(
            where,
            `${target}: the receiver closed the connection after the handshake: it refused the client certificate`,
          ),
        );
      }
    });
    socket.resume();
  });
}
