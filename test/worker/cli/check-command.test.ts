import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { mockClient } from "aws-sdk-client-mock";
import { stringify } from "yaml";
import { DEMO, type EmbeddedAws, startEmbeddedAws } from "../../../scripts/fixtures/demo-stack.ts";
import { runCheckCommand } from "../../../worker/cli/check-command.ts";
import { captureIo } from "../../helpers/capture-io.ts";
import { makeTestCerts, type TestCerts } from "../../helpers/certs.ts";
import { s3EventNotification } from "../../helpers/notifications.ts";
import { TlsSink } from "../../helpers/tls-sink.ts";

/**
 * `check` against the demo's emulated AWS (fauxqs: SQS, and STS GetCallerIdentity), a mutual-TLS receiver, and the
 * CloudTrail API mocked with AWS's documented error shape: one line per check, nothing consumed, nothing sent.
 */
describe("aws-devo-collector check", () => {
  const trail = mockClient(CloudTrailClient);
  let aws: EmbeddedAws;
  let certs: TestCerts;
  let sink: TlsSink;
  before(async () => {
    aws = await startEmbeddedAws();
    aws.server.createQueue("no-dlq-queue");
    certs = await makeTestCerts();
    sink = await TlsSink.start({ serverCert: certs.serverCert, serverKey: certs.serverKey, clientCa: certs.caCert });
  });
  after(async () => {
    trail.restore();
    await sink.close();
    await certs.remove();
    await aws.stop();
  });

  async function check(clientCert: string, clientKey: string) {
    const path = join(certs.dir, `check-${Math.random().toString(36).slice(2)}.yaml`);
    const queueUrl = (name: string) => aws.queueUrl.replace(/[^/]+$/, name);
    const credentials = {
      aws_access_key_id: DEMO.credentials.accessKeyId,
      aws_secret_access_key: DEMO.credentials.secretAccessKey,
    };
    await writeFile(
      path,
      stringify({
        outputs: {
          devo_1: {
            type: "devo_platform",
            config: { address: "localhost", port: sink.port, chain: certs.caCert, cert: clientCert, key: clientKey },
          },
        },
        inputs: {
          sqs_collector: {
            region: DEMO.region,
            base_url: aws.queueUrl,
            endpoint_url: aws.endpoint,
            s3_force_path_style: true,
            credentials,
            services: { aws_sqs_cloudtrail: {} },
          },
          second: {
            type: "sqs_collector",
            region: DEMO.region,
            base_url: queueUrl("no-dlq-queue"),
            endpoint_url: aws.endpoint,
            credentials,
            services: { aws_sqs_vpc: {} },
          },
          aws: {
            region: DEMO.region,
            endpoint_url: aws.endpoint,
            credentials: { access_key: "AKIAEXAMPLEKEY000000", access_secret: "example-secret" },
            services: { "audit-events-all": { types: ["audits_api"] } },
          },
        },
      }),
    );
    const io = captureIo();
    const code = await runCheckCommand(["--config", path], io.io);
    return { code, out: io.out(), err: io.err() };
  }

  it("says OK, WARN or FAIL per check with what to change, consuming no message and sending no event", async () => {
    trail.on(LookupEventsCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: cloudtrail:LookupEvents"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    aws.server.sendMessage(DEMO.queue, s3EventNotification([{ bucket: DEMO.bucket, key: "x.json.gz" }]));
    const result = await check(certs.clientCert, certs.clientKey);
    assert.equal(result.code, 1, result.out + result.err);
    const lines = result.out.split("\n");
    const line = (pattern: RegExp) => lines.find((l) => pattern.test(l));
    assert.ok(line(/^OK +inputs\.sqs_collector\.credentials: identity arn:aws:/), result.out);
    assert.ok(line(/^OK +inputs\.sqs_collector\.services\.aws_sqs_cloudtrail: queue .* reachable, 1 messages waiting/));
    assert.ok(
      line(
        /^OK +inputs\.sqs_collector\.services\.aws_sqs_cloudtrail: dead-letter queue .*devo-demo-cloudtrail-dlq after 5 receives/,
      ),
    );
    assert.ok(line(/^WARN +inputs\.second\.services\.aws_sqs_vpc: queue .*no-dlq-queue has no dead-letter queue/));
    assert.ok(line(/^FAIL +inputs\.aws\.services\.audit-events-all: in us-east-1: AccessDeniedException \(HTTP 400\)/));
    // The test PKI's certificates live two days: both are reported as expiring soon.
    assert.ok(line(/^WARN +outputs\.devo_1: client certificate CN=test-domain expires in \d days/), result.out);
    assert.ok(line(/^WARN +outputs\.devo_1: localhost:\d+ \(TLSv1\.3\): server certificate CN=localhost expires in/));
    assert.match(result.out, /\d+ checks: 1 failed, 3 warnings\n$/);
    // Nothing was received from the queue, nothing sent to the receiver.
    const queue = aws.server.inspectQueue(DEMO.queue)?.messages;
    assert.equal(queue?.ready.length, 1);
    assert.equal(queue?.inflight.length, 0);
    assert.equal(sink.lineCount, 0);
  });

  it("fails an output whose client certificate the receiver refuses", async () => {
    trail.on(LookupEventsCommand).resolves({ Events: [] });
    const result = await check(certs.rogueClientCert, certs.rogueClientKey);
    assert.equal(result.code, 1);
    assert.match(result.out, /^FAIL +outputs\.devo_1: localhost:\d+: .*(certificate|alert|closed the connection)/m);
  });
});
