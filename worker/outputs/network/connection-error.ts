import { openSslReason, type TlsSettings } from "./tls-settings.ts";

/**
 * A connection problem, described for the person who has to fix it: one line that names the receiver, what went
 * wrong in words, the config file involved, and the underlying code. `fatal` marks problems that retrying will not
 * fix (certificates, host names): queued batches fail back to the pipeline at once instead of waiting out the
 * delivery timeout, while the output keeps retrying with backoff in case the receiver is being fixed.
 */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  readonly fatal: boolean;
  readonly code: string | undefined;

  constructor(message: string, options: { fatal: boolean; code?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.fatal = options.fatal;
    this.code = options.code;
  }
}

const SERVER_NOT_IN_CHAIN = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_CHAIN_TOO_LONG",
  "INVALID_CA",
]);

/** Alerts a server sends when it refuses the client certificate (OpenSSL's names, as Node reports them). */
const CLIENT_CERT_REFUSED =
  /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|ACCESS_DENIED|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR|HANDSHAKE_FAILURE)$/;

export function describeConnectionError(
  error: Error,
  context: { target: string; address: string; tls: TlsSettings | undefined; connectTimeoutMs: number },
): ConnectionError {
  if (error instanceof ConnectionError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const { target, tls } = context;
  const chain = tls?.files.chain ? `chain ${tls.files.chain}` : "the system's CA store (no chain configured)";
  const cert = tls?.files.cert ? `certificate ${tls.files.cert}` : "no client certificate (cert/key not configured)";
  const make = (text: string, fatal: boolean) =>
    new ConnectionError(`${target}: ${text}${code ? ` [${code}]` : ""}`, { fatal, code, cause: error });

  switch (code) {
    case "ECONNREFUSED":
      return make("connection refused (nothing listens on that port, or a firewall rejects it)", false);
    case "ENOTFOUND":
      return make(`unknown host: DNS has no address for ${context.address}`, false);
    case "EAI_AGAIN":
      return make(`DNS lookup of ${context.address} failed temporarily`, false);
    case "ETIMEDOUT":
    case "CONNECT_TIMEOUT":
      return make(`no TCP/TLS connection within ${context.connectTimeoutMs / 1000} s`, false);
    case "ECONNRESET":
    case "EPIPE":
      return make("connection reset by the receiver", false);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return make("host or network unreachable", false);
    case "CERT_HAS_EXPIRED":
      return make("the server's certificate has expired", true);
    case "CERT_NOT_YET_VALID":
      return make("the server's certificate is not valid yet (check this machine's clock)", true);
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return make(
        "the server's certificate does not name this address (set server_name to the name it carries, or check_hostname: false)",
        true,
      );
  }
  if (code !== undefined && SERVER_NOT_IN_CHAIN.has(code)) {
    return make(`the server's certificate is not signed by ${chain}`, true);
  }
  if (code !== undefined && CLIENT_CERT_REFUSED.test(code)) {
    return make(`the server refused our client certificate (${cert}): ${openSslReason(error)}`, true);
  }
  if (code === "ERR_SSL_EE_KEY_TOO_SMALL" || code === "ERR_SSL_CA_MD_TOO_WEAK") {
    return make(
      `${openSslReason(error)}: below the OpenSSL security level; sec_level: 1 admits older certificates`,
      true,
    );
  }
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG") {
    return make("the receiver does not speak TLS on this port (plain TCP? then use type: TCP)", true);
  }
  if (code === "ERR_SSL_UNSUPPORTED_PROTOCOL" || code === "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION") {
    return make("no TLS version in common with the receiver (we offer min_tls_version … max_tls_version)", true);
  }
  return make(openSslReason(error), false);
}

/**
 * The receiver closed a TLS 1.3 connection right after the handshake, before it was confirmed, without an alert we
 * could read. Usually a refused client certificate (TLS 1.3 reports that only after our handshake is done), but a
 * receiver restarting at that moment looks the same; so it is not fatal by itself, and the lane treats it as fatal
 * only when it repeats.
 */
export function closedBeforeConfirmation(target: string, tls: TlsSettings | undefined): ConnectionError {
  const cert = tls?.files.cert ? `certificate ${tls.files.cert}` : "no client certificate";
  return new ConnectionError(
    `${target}: the receiver closed the connection right after the TLS handshake; it probably refused our client ${cert}`,
    { fatal: false, code: "CLOSED_BEFORE_CONFIRMATION" },
  );
}
