import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy does with one S3 GetObject of a key, on its `attempt`-th request (1-based). */
export type S3Fault = "pass" | "500" | "503" | "reset-mid-body";

export interface ProxyHooks {
  /** Decides the fate of an S3 GetObject (`key` decoded). Default: pass. */
  s3Get?: (key: string, attempt: number) => S3Fault;
  /** Called with every message the worker received (its receipt handle and body). */
  received?: (receiptHandle: string, body: string) => void;
  /** Called and awaited, before the request is forwarded, with every receipt handle the worker asks to delete. */
  deleting?: (receiptHandle: string) => void | Promise<void>;
}

/**
 * A loopback proxy between the worker and fauxqs. It sees the SQS JSON protocol (ReceiveMessage responses and
 * DeleteMessage(Batch) requests), so a test can check at the moment of deletion that the message's events were
 * already delivered, and it can make S3 GetObject fail (500/503, or a connection reset half-way through the body).
 */
export class AwsProxy {
  readonly #server: Server;
  readonly #target: URL;
  readonly #hooks: ProxyHooks;
  readonly #attempts = new Map<string, number>();
  faults = 0;

  private constructor(target: string, hooks: ProxyHooks) {
    this.#target = new URL(target);
    this.#hooks = hooks;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(502).end(error.message);
        else res.destroy();
      });
    });
  }

  static async start(target: string, hooks: ProxyHooks = {}): Promise<AwsProxy> {
    const proxy = new AwsProxy(target, hooks);
    await new Promise<void>((r) => proxy.#server.listen(0, "127.0.0.1", r));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  attempts(key: string): number {
    return this.#attempts.get(key) ?? 0;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers["x-amz-target"] ?? "");
    if (target === "AmazonSQS.DeleteMessage" || target === "AmazonSQS.DeleteMessageBatch") {
      const parsed = JSON.parse(body.toString()) as { ReceiptHandle?: string; Entries?: { ReceiptHandle: string }[] };
      const handles = parsed.Entries ? parsed.Entries.map((e) => e.ReceiptHandle) : [parsed.ReceiptHandle ?? ""];
      for (const handle of handles) await this.#hooks.deleting?.(handle);
    }
    let fault: S3Fault = "pass";
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    const isS3Get =
      req.method === "GET" && target === "" && !(req.url ?? "").includes("?list-type") && path.split("/").length > 2;
    if (isS3Get && this.#hooks.s3Get) {
      const key = path.split("/").slice(2).join("/");
      const attempt = (this.#attempts.get(key) ?? 0) + 1;
      this.#attempts.set(key, attempt);
      fault = this.#hooks.s3Get(key, attempt);
    }
    if (fault === "500" || fault === "503") {
      this.faults++;
      const code = fault === "500" ? "InternalError" : "SlowDown";
      res.writeHead(Number(fault), { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`,
      );
      return;
    }
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const forward = request(
        {
          host: this.#target.hostname,
          port: this.#target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        resolve,
      );
      forward.on("error", reject);
      forward.end(body);
    });
    if (target === "AmazonSQS.ReceiveMessage" && this.#hooks.received) {
      const parts: Buffer[] = [];
      for await (const chunk of upstream) parts.push(chunk as Buffer);
      const text = Buffer.concat(parts);
      if ((upstream.statusCode ?? 0) === 200) {
        const parsed = JSON.parse(text.toString()) as { Messages?: { ReceiptHandle: string; Body: string }[] };
        for (const message of parsed.Messages ?? []) this.#hooks.received(message.ReceiptHandle, message.Body);
      }
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      res.end(text);
      return;
    }
    res.writeHead(upstream.statusCode ?? 502, upstream.headers);
    if (fault === "reset-mid-body") {
      this.faults++;
      const total = Number(upstream.headers["content-length"] ?? 0);
      let sent = 0;
      for await (const chunk of upstream) {
        const piece = chunk as Buffer;
        if (sent + piece.byteLength >= total / 2) {
          res.write(piece.subarray(0, Math.max(0, Math.floor(total / 2) - sent)));
          // Let the half body reach the worker, then cut the connection as a failing S3 front end would.
          await new Promise((r) => setTimeout(r, 20));
          res.destroy();
          upstream.destroy();
          return;
        }
        res.write(piece);
        sent += piece.byteLength;
      }
      res.end();
      return;
    }
    upstream.pipe(res);
  }
}
