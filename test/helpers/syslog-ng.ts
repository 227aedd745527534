import { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { type FileHandle, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";

/**
 * A real syslog-ng (Debian package `syslog-ng-core`) as a Devo-compatible receiver for tests: its own config,
 * persist, pid and control files in a temp dir, listening on a free loopback port, writing every received
 * message as one JSON line (`{"msg": …}`) so tests can count exact deliveries, newlines inside messages included.
 *
 * Messages are taken with `flags(no-parse)`: `msg` is the whole line exactly as the client framed it (`<14>…`),
 * so tests check the wire format itself rather than syslog-ng's reading of it.
 */

export interface SyslogNgOptions {
  /**
   * `mutual`: TLS, client certificate required and verified against `caFile`. `server`: TLS without a client
   * certificate. `none`: plain TCP.
   */
  tls: "mutual" | "server" | "none";
  /** PEM files of the server side (required unless `tls: none`). */
  serverCert?: string;
  serverKey?: string;
  /** CA the receiver trusts for client certificates (`tls: mutual`). */
  caFile?: string;
  /** `newline`: one message per line (`network()`). `octet-counted`: RFC 6587/5425 frames (`syslog()`). */
  framing?: "newline" | "octet-counted";
  /** Listen on this port instead of a free one (a restart keeps its port). */
  port?: number;
}

/** Why the syslog-ng tests cannot run here, or `false` when they can. In CI (env CI=true) they must run. */
export function syslogNgSkipReason(): string | false {
  if (findSyslogNg() !== undefined) return false;
  if (process.env.CI === "true") return false; // let the test start it and fail loudly
  return "syslog-ng is not installed (Debian package syslog-ng-core); skipped outside CI";
}

/** The syslog-ng binary: `$SYSLOG_NG` when set (only that), else the first on PATH or in the sbin directories. */
export function findSyslogNg(): string | undefined {
  const chosen = process.env.SYSLOG_NG;
  if (chosen !== undefined && chosen !== "") return existsSync(chosen) ? chosen : undefined;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    const candidate = join(dir, "syslog-ng");
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export class SyslogNg {
  readonly host = "127.0.0.1";
  readonly port: number;
  readonly #options: SyslogNgOptions;
  readonly #dir: string;
  readonly #binary: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #log = "";
  readonly #received: string[] = [];
  #readOffset = 0;

  private constructor(options: SyslogNgOptions, dir: string, port: number, binary: string) {
    this.#options = options;
    this.#dir = dir;
    this.port = port;
    this.#binary = binary;
  }

  /** Starts syslog-ng and resolves once it accepts connections. */
  static async start(options: SyslogNgOptions): Promise<SyslogNg> {
    const binary = findSyslogNg();
    if (binary === undefined) {
      throw new Error(
        "syslog-ng is not installed: install the Debian package syslog-ng-core (.ci/run must do this in CI)",
      );
    }
    const dir = await mkdtemp(join(tmpdir(), "syslog-ng-"));
    const port = options.port ?? (await freePort());
    const receiver = new SyslogNg(options, dir, port, binary);
    try {
      await writeFile(receiver.#configPath, receiver.#config());
      await receiver.#launch();
    } catch (error) {
      await receiver.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return receiver;
  }

  /** syslog-ng's own messages (connections accepted/closed, TLS errors), for assertions and for failure output. */
  get log(): string {
    return this.#log;
  }

  /** Every message received so far, in order of arrival. Reads only what was appended since the last call. */
  async messages(): Promise<string[]> {
    let handle: FileHandle;
    try {
      handle = await open(this.#receivedPath, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [...this.#received];
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size > this.#readOffset) {
        const fresh = Buffer.alloc(size - this.#readOffset);
        const { bytesRead } = await handle.read(fresh, 0, fresh.length, this.#readOffset);
        // Only complete lines are taken; a line being written right now is read again next time.
        const end = fresh.lastIndexOf(10, bytesRead - 1);
        if (end !== -1) {
          this.#readOffset += end + 1;
          for (const line of fresh.subarray(0, end).toString("utf8").split("\n")) {
            this.#received.push((JSON.parse(line) as { msg: string }).msg);
          }
        }
      }
    } finally {
      await handle.close();
    }
    return [...this.#received];
  }

  /** Waits until at least `count` messages arrived, or fails after `timeoutMs` saying how many did. */
  async waitForMessages(count: number, timeoutMs = 20_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const messages = await this.messages();
      if (messages.length >= count) return messages;
      if (Date.now() > deadline) {
        throw new Error(`syslog-ng received ${messages.length} of ${count} messages in ${timeoutMs} ms\n${this.#log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits until no new message arrived for `quietMs`, then returns them all. */
  async settle(quietMs = 500): Promise<string[]> {
    let last = -1;
    for (;;) {
      const messages = await this.messages();
      if (messages.length === last) return messages;
      last = messages.length;
      await new Promise((resolve) => setTimeout(resolve, quietMs));
    }
  }

  /**
   * Waits until `arrived(messages)` holds (at most `timeoutMs`), then as {@link settle}. A quiet spell alone is no
   * proof that syslog-ng wrote everything: starved of CPU, it can pause longer than `quietMs` between what it read and
   * what it writes to the file. On timeout it returns what did arrive, for the test's own assertion to report.
   */
  async settleWhen(arrived: (messages: string[]) => boolean, quietMs = 200, timeoutMs = 20_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (!arrived(await this.messages()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return this.settle(quietMs);
  }

  /** Stops gracefully (SIGTERM: syslog-ng flushes its destinations), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || this.#exited === undefined) return;
    const exited = this.#exited;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    this.#child = undefined;
    this.#exited = undefined;
  }

  /** Stops and starts again on the same port, keeping what was received. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#launch();
  }

  /** Stops and removes the temp dir. Safe to call twice. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.#dir, { recursive: true, force: true });
  }

  get #configPath() {
    return join(this.#dir, "syslog-ng.conf");
  }

  get #receivedPath() {
    return join(this.#dir, "received.jsonl");
  }

  #config(): string {
    const { tls, serverCert, serverKey, caFile } = this.#options;
    const driver = this.#options.framing === "octet-counted" ? "syslog" : "network";
    let transport = 'transport("tcp")';
    if (tls !== "none") {
      if (serverCert === undefined || serverKey === undefined) throw new Error("TLS needs serverCert and serverKey");
      const verify =
        tls === "mutual"
          ? `ca-file(${quote(caFile ?? "")}) peer-verify(required-trusted)`
          : "peer-verify(optional-untrusted)";
      transport = `transport("tls") tls(key-file(${quote(serverKey)}) cert-file(${quote(serverCert)}) ${verify})`;
    }
    return `@version: 3.38
options { stats-freq(0); log-msg-size(1048576); create-dirs(no); };
source s_test {
  ${driver}(ip("127.0.0.1") port(${this.port}) ${transport}
    flags(no-parse) max-connections(256) log-iw-size(1000000) log-fetch-limit(1000));
};
destination d_received {
  file(${quote(this.#receivedPath)} template("$(format-json --scope none msg=$MSG)\\n"));
};
log { source(s_test); destination(d_received); flags(flow-control); };
`;
  }

  async #launch(): Promise<void> {
    const logFrom = this.#log.length;
    const child = spawn(
      this.#binary,
      [
        "-F",
        "-e",
        "--no-caps",
        "-f",
        this.#configPath,
        "-R",
        join(this.#dir, "syslog-ng.persist"),
        "-p",
        join(this.#dir, "syslog-ng.pid"),
        "-c",
        join(this.#dir, "syslog-ng.ctl"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.#child = child;
    let exitCode: number | null = null;
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code) => {
        exitCode = code;
        resolve();
      });
      child.once("error", (error) => {
        this.#log += `spawn failed: ${error.message}\n`;
        resolve();
      });
    });
    const onOutput = (chunk: Buffer) => {
      this.#log += chunk.toString();
    };
    child.stdout!.on("data", onOutput);
    child.stderr!.on("data", onOutput);
    const exited = this.#exited;
    const deadline = Date.now() + 10_000;
    // syslog-ng says "Accepting connections" once its listener is bound; waiting for that (rather than probing the
    // port) keeps test connections out of its log.
    const ready = `Accepting connections; addr='AF_INET(127.0.0.1:${this.port})'`;
    while (this.#log.indexOf(ready, logFrom) === -1) {
      const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);
      if (done) throw new Error(`syslog-ng exited during start-up (code ${exitCode}):\n${this.#log}`);
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`syslog-ng did not start listening on port ${this.port} within 10 s:\n${this.#log}`);
      }
    }
  }
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** A port that was free a moment ago (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** Splits a received Devo line into its fields, or throws naming the line. */
export function parseDevoLine(line: string): { time: string; host: string; tag: string; message: string } {
  const match = /^<14>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\S+) ([^\s:]+): ([\s\S]*)$/.exec(line);
  if (match === null) throw new Error(`not a Devo line: ${JSON.stringify(line.slice(0, 200))}`);
  return { time: match[1], host: match[2], tag: match[3], message: match[4] };
}
