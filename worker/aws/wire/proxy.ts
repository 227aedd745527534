import { Buffer } from "node:buffer";
import type { RequestOptions } from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { http } from "../../runtime/node-http.ts";

/** An HTTP proxy as `HTTPS_PROXY`/`HTTP_PROXY` name it: `http://[user:password@]host:port`. */
export interface ProxyServer {
  hostname: string;
  port: number;
  /** `Basic …` when the URL carries a user. */
  authorization?: string;
  /** The URL without its password, for logs and errors. */
  display: string;
}

/** Where requests go through a proxy, from the environment (curl's conventions, which the AWS SDKs follow too). */
export interface ProxyRoutes {
  https?: ProxyServer;
  http?: ProxyServer;
  /** `NO_PROXY` entries, lower case: `*`, a host, `.domain` / `*.domain`, any of them with `:port`, an IP. */
  noProxy: string[];
}

function parseProxy(variable: string, value: string): ProxyServer {
  let url: URL;
  try {
    url = new URL(value.includes("://") ? value : `http://${value}`);
  } catch {
    throw new Error(`${variable}=${value}: not a proxy URL (expected http://host:port)`);
  }
  if (url.protocol !== "http:") {
    throw new Error(
      `${variable}: only http:// proxies are supported (the proxy is reached in plain HTTP and HTTPS goes through it in a CONNECT tunnel); got ${url.protocol}//`,
    );
  }
  const user = decodeURIComponent(url.username);
  const authorization =
    user === "" ? undefined : `Basic ${Buffer.from(`${user}:${decodeURIComponent(url.password)}`).toString("base64")}`;
  return {
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? 80 : Number(url.port),
    ...(authorization === undefined ? {} : { authorization }),
    display: `http://${url.host}`,
  };
}

/**
 * The proxies of `env`: `HTTPS_PROXY` for HTTPS targets and `HTTP_PROXY` for plain HTTP ones (lower-case names
 * first, as curl reads them), and `NO_PROXY`. A proxy URL this client cannot use fails here, at start-up.
 */
export function proxyRoutesFromEnv(env: Record<string, string | undefined>): ProxyRoutes {
  const read = (name: string) => {
    const lower = env[name.toLowerCase()];
    if (lower !== undefined && lower.trim() !== "") return { variable: name.toLowerCase(), value: lower.trim() };
    const upper = env[name];
    return upper !== undefined && upper.trim() !== "" ? { variable: name, value: upper.trim() } : undefined;
  };
  const httpsProxy = read("HTTPS_PROXY");
  const httpProxy = read("HTTP_PROXY");
  const noProxy = read("NO_PROXY");
  return {
    ...(httpsProxy === undefined ? {} : { https: parseProxy(httpsProxy.variable, httpsProxy.value) }),
    ...(httpProxy === undefined ? {} : { http: parseProxy(httpProxy.variable, httpProxy.value) }),
    noProxy: (noProxy?.value ?? "")
      .split(/[\s,]+/)
      .map((entry) => entry.trim().toLowerCase())
      .filter(Boolean),
  };
}

function bypasses(noProxy: readonly string[], hostname: string, port: number): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  for (const raw of noProxy) {
    if (raw === "*") return true;
    let entry = raw;
    const portMatch = /^(.*):(\d+)$/.exec(entry);
    if (portMatch !== null && !entry.endsWith("]") && entry.split(":").length === 2) {
      if (Number(portMatch[2]) !== port) continue;
      entry = portMatch[1];
    }
    entry = entry.replace(/^\*?\./, "").replace(/^\[|\]$/g, "");
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy a request to `url` goes through, or undefined for a direct connection. */
export function proxyFor(routes: ProxyRoutes | undefined, url: URL): ProxyServer | undefined {
  if (routes === undefined) return undefined;
  const secure = url.protocol === "https:";
  const proxy = secure ? routes.https : routes.http;
  if (proxy === undefined) return undefined;
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
  return bypasses(routes.noProxy, url.hostname, port) ? undefined : proxy;
}

/** A proxy refused or failed the tunnel: retried like a refused connection when the proxy says it is transient. */
export class ProxyError extends Error {
  override readonly name = "ProxyError";
  readonly code: string;
  constructor(message: string, status: number | undefined) {
    super(message);
    this.code = status !== undefined && status >= 500 ? "ECONNREFUSED" : "EPROXY";
  }
}

/**
 * HTTPS through an HTTP proxy: each pooled connection is a CONNECT tunnel to the target, with TLS (and the
 * target's certificate check) end to end inside it. Keep-alive works as without a proxy: one tunnel carries
 * many requests.
 */
export class TunnelingAgent extends https.Agent {
  readonly #proxy: ProxyServer;

  constructor(proxy: ProxyServer, options: https.AgentOptions) {
    super(options);
    this.#proxy = proxy;
  }

  override createConnection(
    requestOptions: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | null | undefined {
    const options = requestOptions as tls.ConnectionOptions & { host?: string; port?: number };
    const done = callback ?? (() => {});
    // Node's agent reads only the error when there is one (its type asks for a stream all the same).
    const fail = (error: Error) => done(error, undefined as unknown as Duplex);
    const target = `${options.host}:${options.port ?? 443}`;
    const connect = http.request({
      hostname: this.#proxy.hostname,
      port: this.#proxy.port,
      method: "CONNECT",
      path: target,
      headers: {
        host: target,
        ...(this.#proxy.authorization === undefined ? {} : { "proxy-authorization": this.#proxy.authorization }),
      },
      agent: false,
    });
    connect.once("connect", (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        fail(
          new ProxyError(
            `proxy ${this.#proxy.display} refused the tunnel to ${target}: ${response.statusCode} ${response.statusMessage ?? ""}`.trim(),
            response.statusCode,
          ),
        );
        return;
      }
      const secure = tls.connect({ ...options, socket, servername: options.servername ?? options.host });
      let settled = false;
      secure.once("secureConnect", () => {
        settled = true;
        done(null, secure);
      });
      secure.once("error", (error) => {
        if (!settled) fail(error);
      });
    });
    connect.once("error", fail);
    connect.end();
    return undefined;
  }
}
