import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { auditEventsOptions } from "../../../../worker/services/api-service-options.ts";
import { sdkClientConfig } from "../../../../worker/sources/api-source-settings.ts";
import { CloudTrailLookupSource } from "../../../../worker/sources/cloudtrail-lookup-source.ts";
import { MemoryStateStore } from "../../../../worker/state/memory-state-store.ts";
import { silentLogger } from "./api-test-kit.ts";

/**
 * An AWS API endpoint that accepts every connection and request and never answers: the case that held a worker
 * (and its SIGTERM) for 20 minutes when the SDK clients had no timeout.
 */
describe("an API endpoint that never answers", () => {
  let server: Server;
  let endpoint: string;
  const requests: IncomingMessage[] = [];
  let onRequest: (() => void) | undefined;
  before(async () => {
    server = createServer((request) => {
      requests.push(request);
      onRequest?.();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const settings = () => ({
    inputId: "aws",
    serviceName: "audit-events-all",
    region: "us-east-1",
    endpointUrl: endpoint,
    credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }),
    options: auditEventsOptions.parse({ start_time: new Date(Date.now() - 3_600_000).toISOString() }),
  });

  it("a request times out (and is retried), instead of waiting forever", async () => {
    const client = new CloudTrailClient(sdkClientConfig(settings(), { connectionTimeout: 1_000, requestTimeout: 300 }));
    const before = requests.length;
    try {
      await assert.rejects(client.send(new LookupEventsCommand({ MaxResults: 1 })), (error: Error) => {
        assert.match(`${error.name} ${error.message}`, /timeout|timed out/i);
        return true;
      });
      assert.ok(requests.length - before > 1, "the timed-out request was retried");
    } finally {
      client.destroy();
    }
  });

  it("the default configuration has a request timeout", () => {
    const config = sdkClientConfig(settings());
    assert.ok(config.requestHandler.requestTimeout > 0 && config.requestHandler.requestTimeout <= 120_000);
    assert.ok(config.requestHandler.connectionTimeout > 0);
  });

  it("a stop ends a pending request at once, and the source with it", async () => {
    const source = new CloudTrailLookupSource(settings(), { state: new MemoryStateStore(), logger: silentLogger() });
    const stop = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      onRequest = resolve;
    });
    const iterator = source.work(stop.signal, { untilIdle: false })[Symbol.asyncIterator]();
    const next = iterator.next();
    await arrived;
    const stoppedAt = Date.now();
    stop.abort();
    const result = await next;
    assert.equal(result.done, true, "the source ends quietly when stopped");
    // The default request timeout is a minute: ending well before it proves the stop cut the request.
    assert.ok(Date.now() - stoppedAt < 5_000, `ended ${Date.now() - stoppedAt} ms after the stop`);
    await source.close();
    onRequest = undefined;
  });
});
