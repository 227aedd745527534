import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/**
 * An HTTP server that answers as a test scripts it, for what no emulator serves: region redirects, clock skew,
 * throttling, connections cut mid-body. The answers follow the shapes AWS documents for these errors.
 */
export class LocalAwsServer {
  readonly seen: SeenRequest[] = [];
  #server: Server | undefined;
  #handler: (request: SeenRequest, response: ServerResponse) => void;

  constructor(handler: (request: SeenRequest, response: ServerResponse) => void) {
    this.#handler = handler;
  }

  async start(): Promise<string> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const seen = {
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        this.seen.push(seen);
        this.#handler(seen, response);
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

/** An S3-style XML error answer. */
export function xmlError(response: ServerResponse, status: number, code: string, message: string, headers = {}): void {
  response.writeHead(status, { "content-type": "application/xml", ...headers });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`,
  );
}

/** An SQS JSON-protocol error answer. */
export function jsonError(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-requestid": "42d59b56-7407-4c4a-be0f-4c88daeea257",
  });
  response.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }));
}
