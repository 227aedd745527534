import * as z from "../runtime/zod.ts";
import { envReferenceName, isEnvName } from "./env-reference.ts";

/**
 * `outputs:` of a collector configuration: output id → `{ type, config }`, in the shape of Devo's collector
 * documentation (`devo_platform`), plus our `syslog` relay, `console` and `file` outputs.
 *
 * ```yaml
 * outputs:
 *   devo_1:
 *     type: devo_platform
 *     config:
 *       address: collector-eu.devo.io
 *       port: 443
 *       type: SSL
 *       chain: chain.crt          # relative paths resolve against the certs directory
 *       cert: mydomain.crt
 *       key: mydomain.key
 *       # or, where the platform passes secrets as environment variables (ECS):
 *       # chain: env:DEVO_CHAIN_CRT
 * ```
 *
 * Every object is strict: an unknown key is a typo until proven otherwise, and a typo in `check_hostname` must
 * not silently leave the default in place. Keys keep the config's snake_case spelling; the output factory maps
 * them to its own options.
 */

const port = z.int().check(z.minimum(1), z.maximum(65_535));
const nonEmpty = z.string().check(z.trim(), z.minLength(1, "must not be empty"));
const seconds = z.number().check(z.positive());

/**
 * A PEM file path, or `env:NAME` when the PEM text (or the passphrase) is in environment variable NAME. Only the
 * name is checked here; whether the variable is set is checked when the output starts.
 */
const fileOrEnv = nonEmpty.check(
  z.refine((value) => {
    const name = envReferenceName(value);
    return name === undefined || isEnvName(name);
  }, "`env:` must be followed by an environment variable name (letters, digits and _, not starting with a digit)"),
);

/** Upper-cases so `ssl`/`Ssl` work as in Devo's own SDK, which upper-cases the connection type before matching. */
const connectionType = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.pipe(z.string().check(z.trim(), z.toUpperCase()), z.enum(values));

/**
 * Connection, framing and delivery settings shared by `devo_platform` and `syslog`. Defaults suit Devo's cloud
 * endpoints: its balancers cut idle TLS connections after about 30 s, and Devo's own senders rotate connections.
 */
const networkFields = {
  address: nonEmpty.check(z.describe("host name or IP address of the receiver")),
  /** PEM file (or `env:NAME`) of the CA chain that must have signed the server's certificate. */
  chain: z.optional(fileOrEnv),
  /** PEM client certificate (Devo: the domain's X.509 certificate), file or `env:NAME`. */
  cert: z.optional(fileOrEnv),
  /** PEM private key of `cert`, file or `env:NAME`. */
  key: z.optional(fileOrEnv),
  /** Passphrase of an encrypted `key`, or `env:NAME`. Never logged. */
  key_passphrase: z.optional(fileOrEnv),
  /**
   * Check that the server certificate names `address` (or `server_name`). The chain is verified either way;
   * turn this off only for endpoints reached through an address their certificate does not name.
   */
  check_hostname: z._default(z.boolean(), true),
  /** SNI and hostname-check name when it differs from `address` (for example when `address` is an IP). */
  server_name: z.optional(nonEmpty),
  /**
   * OpenSSL security level (0–5) for this connection. Older Devo domain certificates use keys or signatures that
   * the default level rejects ("ee key too small", "ca md too weak"); `sec_level: 1` admits them.
   * Same name as in Devo's Python SDK.
   */
  sec_level: z.optional(z.int().check(z.minimum(0), z.maximum(5))),
  /** Lowest TLS version offered. TLS 1.0/1.1 are not offered at all. */
  min_tls_version: z._default(z.enum(["TLSv1.2", "TLSv1.3"]), "TLSv1.2"),
  /** Highest TLS version offered; `TLSv1.2` pins the version (see the output's notes on TLS 1.3 and client certificates). */
  max_tls_version: z._default(z.enum(["TLSv1.2", "TLSv1.3"]), "TLSv1.3"),
  /** The `host` field of every line; defaults to the machine's host name. */
  hostname: z.optional(z.string().check(z.regex(/^[^\s]+$/, "must be one word without spaces"))),
  /** Send messages with raw newlines as octet-counted frames (`<bytes> <line>`) instead of escaping the newlines. */
  multiline: z._default(z.boolean(), false),
  /** Compress: every flush is one gzip member of complete lines, written raw on the connection. */
  gzip: z._default(z.boolean(), false),
  /** zlib level of `gzip` (1 fastest … 9 smallest). */
  gzip_level: z._default(z.int().check(z.minimum(1), z.maximum(9)), 6),
  /** Parallel connections; events of one batch always travel on one connection, in order. */
  connections: z.optional(z.int().check(z.minimum(1), z.maximum(32))),
  /** Devo's collector name for `connections`. */
  concurrent_connections: z.optional(z.int().check(z.minimum(1), z.maximum(32))),
  /**
   * Bytes of formatted lines held per output (queued plus sent-but-not-yet-acknowledged). A `send` that would
   * exceed it waits: that wait is the pipeline's backpressure. Since a line is held for at least `settle_ms`
   * after it was written, one output's throughput is at most `buffer_bytes / settle_ms` (64 MiB / 0.5 s = 128 MiB/s).
   */
  buffer_bytes: z._default(z.int().check(z.minimum(64 * 1024)), 64 * 1024 * 1024),
  /** Close an idle connection gracefully after this long, before the balancer's ~30 s idle cut drops it. */
  idle_reconnect_seconds: z._default(seconds, 25),
  /** Close and reopen a connection after this long, so load spreads after balancer changes. */
  max_connection_age_seconds: z._default(seconds, 3600),
  /** Time allowed for TCP connect plus TLS handshake. */
  connect_timeout_seconds: z._default(seconds, 10),
  /** Time allowed for the peer to close after we ended the write side; data not confirmed by then is re-sent. */
  close_timeout_seconds: z._default(seconds, 10),
  /**
   * How long a written chunk must survive on an open connection before it counts as delivered. A receiver that
   * drops the connection (restart, rejected client certificate) does so within a round trip or two; waiting out
   * this window turns those losses into re-sends. Raise it for long round trips.
   */
  settle_ms: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 500),
  /** A batch not delivered within this time (receiver unreachable) is failed back to the pipeline for a retry later. */
  delivery_timeout_seconds: z._default(seconds, 300),
  /** First reconnect delay; doubles per failed attempt up to `reconnect_max_seconds` (with jitter). */
  reconnect_base_seconds: z._default(seconds, 0.5),
  reconnect_max_seconds: z._default(seconds, 60),
  /** Devo collector setting: log a line with the output's counters this often. */
  period_sender_stats_in_seconds: z.optional(z.number().check(z.minimum(0))),
};

function checkNetwork(
  config: { cert?: string; key?: string; key_passphrase?: string; min_tls_version: string; max_tls_version: string },
  ctx: z.core.$RefinementCtx,
) {
  if ((config.cert === undefined) !== (config.key === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: [config.cert === undefined ? "cert" : "key"],
      message: "a client certificate needs both `cert` and `key`",
    });
  }
  if (config.key_passphrase !== undefined && config.key === undefined) {
    ctx.addIssue({ code: "custom", path: ["key_passphrase"], message: "`key_passphrase` is given without a `key`" });
  }
  if (config.min_tls_version === "TLSv1.3" && config.max_tls_version === "TLSv1.2") {
    ctx.addIssue({ code: "custom", path: ["max_tls_version"], message: "is lower than `min_tls_version`" });
  }
}

function checkConnections(
  config: { connections?: number; concurrent_connections?: number },
  ctx: z.core.$RefinementCtx,
) {
  if (config.connections !== undefined && config.concurrent_connections !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["concurrent_connections"],
      message: "`connections` and `concurrent_connections` mean the same thing; give only one",
    });
  }
}

export const devoPlatformConfigSchema = z
  .strictObject({
    ...networkFields,
    port: z._default(port, 443),
    /** Devo's cloud accepts TLS only. */
    type: z._default(connectionType(["SSL"]), "SSL"),
    chain: fileOrEnv.check(z.describe("PEM file (or env:NAME) of Devo's CA chain")),
    cert: fileOrEnv.check(z.describe("PEM file (or env:NAME) of the domain's certificate")),
    key: fileOrEnv.check(z.describe("PEM file (or env:NAME) of the domain's private key")),
  })
  .check(z.superRefine(checkNetwork), z.superRefine(checkConnections));

export const syslogConfigSchema = z
  .strictObject({
    ...networkFields,
    port,
    /** `TCP` (plain, inside a trusted network, e.g. to a Devo relay) or `SSL` (TLS, optionally mutual). */
    type: z._default(connectionType(["TCP", "SSL"]), "TCP"),
  })
  .check(
    z.superRefine(checkNetwork),
    z.superRefine(checkConnections),
    z.superRefine((config, ctx) => {
      if (config.type === "TCP") {
        for (const key of ["chain", "cert", "key", "sec_level", "server_name"] as const) {
          if (config[key] !== undefined) {
            ctx.addIssue({ code: "custom", path: [key], message: "applies only to `type: SSL`" });
          }
        }
      }
    }),
  );

/** `jsonl`: one `{"tag":…,"message":…}` object per line. `syslog`: the Devo line, exactly as sent over the network. */
const lineFormat = z.enum(["jsonl", "syslog"]);

export const consoleConfigSchema = z.strictObject({
  format: z._default(lineFormat, "jsonl"),
  hostname: z.optional(z.string().check(z.regex(/^[^\s]+$/, "must be one word without spaces"))),
});

export const fileConfigSchema = z.strictObject({
  /** File to append to; relative paths resolve against the working directory. */
  path: nonEmpty,
  format: z._default(lineFormat, "jsonl"),
  hostname: z.optional(z.string().check(z.regex(/^[^\s]+$/, "must be one word without spaces"))),
  /** Rotate before a write would take the file past this size. Without it the file grows unbounded. */
  max_bytes: z.optional(z.int().check(z.minimum(1024))),
  /** Rotated files kept (`path.1` newest … `path.N` oldest); 0 discards the old file on rotation. */
  max_files: z._default(z.int().check(z.minimum(0), z.maximum(1000)), 5),
  /** fsync after every write: survives power loss, at a cost in throughput. Without it data survives a crash of the worker. */
  fsync: z._default(z.boolean(), false),
  buffer_bytes: z._default(z.int().check(z.minimum(64 * 1024)), 16 * 1024 * 1024),
});

/** `config:` of `console` may be left out (or empty in YAML): every setting has a default. */
const consoleDefaults = consoleConfigSchema.parse({});
const optionalConsoleConfig = z.pipe(
  z.optional(z.nullable(consoleConfigSchema)),
  z.transform((value) => value ?? { ...consoleDefaults }),
);

export const outputSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("devo_platform"), config: devoPlatformConfigSchema }),
  z.strictObject({ type: z.literal("syslog"), config: syslogConfigSchema }),
  z.strictObject({ type: z.literal("console"), config: optionalConsoleConfig }),
  z.strictObject({ type: z.literal("file"), config: fileConfigSchema }),
]);

export const outputsSchema = z
  .record(
    z.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, "output ids are letters, digits, `_`, `.` and `-`")),
    outputSchema,
  )
  .check(z.refine((outputs) => Object.keys(outputs).length > 0, "at least one output is needed"));

export type OutputsConfig = z.output<typeof outputsSchema>;
export type OutputsInput = z.input<typeof outputsSchema>;
export type OutputConfig = z.output<typeof outputSchema>;
export type DevoPlatformConfig = z.output<typeof devoPlatformConfigSchema>;
export type SyslogConfig = z.output<typeof syslogConfigSchema>;
export type ConsoleConfig = z.output<typeof consoleConfigSchema>;
export type FileConfig = z.output<typeof fileConfigSchema>;
/** What `devo_platform` and `syslog` have in common: everything the network output needs. */
export type NetworkOutputConfig = DevoPlatformConfig | SyslogConfig;
