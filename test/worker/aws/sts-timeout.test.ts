import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createCredentialProvider } from "../../../worker/aws/credentials.ts";

/** An STS endpoint that accepts every request and never answers: AssumeRole must fail, not wait forever. */
describe("AssumeRole against an STS endpoint that never answers", () => {
  let server: Server;
  let endpoint: string;
  let requests = 0;
  before(async () => {
    server = createServer(() => {
      requests++;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("times out (retried), and fails naming the role", async () => {
    const provider = createCredentialProvider(
      {
        accessKeyId: "AKIAEXAMPLEKEY000000",
        secretAccessKey: "example-secret",
        targetRoleArn: "arn:aws:iam::123456789012:role/devo-reader",
        externalId: "ext",
      },
      { region: "us-east-1", endpointUrl: endpoint, timeouts: { connectionTimeout: 1_000, requestTimeout: 300 } },
    );
    assert.ok(provider !== undefined);
    await assert.rejects(provider(), (error: Error) => {
      assert.equal(error.name, "AssumeRoleError");
      assert.match(error.message, /AssumeRole arn:aws:iam::123456789012:role\/devo-reader failed .*timeout|timed out/i);
      assert.ok(!error.message.includes("example-secret"));
      return true;
    });
    assert.ok(requests > 1, "the timed-out request was retried");
  });
});
