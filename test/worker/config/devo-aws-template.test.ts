import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { CloudWatchClient, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { startFauxqs } from "fauxqs";
import { parse } from "yaml";
import { cloudTrailFileBody, generateCloudTrailFile } from "../../../scripts/fixtures/cloudtrail-generator.ts";
import { runValidateCommand } from "../../../worker/cli/validate-command.ts";
import { captureIo } from "../../helpers/capture-io.ts";
import { fillDevoTemplate } from "../../helpers/fill-devo-template.ts";
import { startInProcessWorker } from "../../helpers/in-process-worker.ts";
import { MemoryOutput } from "../../helpers/memory-output.ts";
import { s3EventNotification } from "../../helpers/notifications.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** Devo's AWS collector `config.yaml` template, as the AWS collector page prints it (seed 002). */
const TEMPLATE_PATH = join(here, "../../fixtures/devo/aws-collector-config.template.yaml");
const SEED_PATH = join(here, "../../../../shared/seeds/002_194f8d1bdc67a817.txt");

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const BUCKET = "customer-logs";
const QUEUES = {
  events: "devo-cloudwatch-events",
  cloudtrail: "devo-cloudtrail",
  flowlogs: "devo-vpcflowlogs",
  cloudfront: "devo-cloudfront",
};

/** Every placeholder of the template, filled with a value of the type the page's parameter table gives. */
function values(startTime: string): Record<string, string> {
  const regions = `["${REGION}"]`;
  return {
    "globals.id": "12345",
    "globals.name": "aws",
    "outputs.devo_1.config.address": "collector-eu.devo.io",
    "outputs.devo_1.config.chain": "chain.crt",
    "outputs.devo_1.config.cert": "acme.crt",
    "outputs.devo_1.config.key": "acme.key",
    "inputs.aws.id": "12351",
    "inputs.aws.credentials.access_key": "AKIAIOSFODNN7EXAMPLE",
    "inputs.aws.credentials.access_secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "inputs.aws.credentials.base_assume_role": "arn:aws:iam::837131528613:role/devo-xaccount-cs-role",
    "inputs.aws.credentials.target_assume_role": `arn:aws:iam::${ACCOUNT}:role/devo-collector-reader`,
    "inputs.aws.credentials.assume_role_external_id": "devo-7d1f2c9a-4b1e",
    "inputs.aws.services.service-events-all.request_period_in_seconds": "60",
    "inputs.aws.services.service-events-all.cloudwatch_sqs_queue_name": QUEUES.events,
    "inputs.aws.services.service-events-all.auto_event_type": "true",
    "inputs.aws.services.service-events-all.regions": regions,
    // Security Hub findings arrive on the same EventBridge queue: the two services share it.
    "inputs.aws.services.sqs-cloudwatch-consumer.request_period_in_seconds": "60",
    "inputs.aws.services.sqs-cloudwatch-consumer.cloudwatch_sqs_queue_name": QUEUES.events,
    "inputs.aws.services.sqs-cloudwatch-consumer.auto_event_type": "false",
    "inputs.aws.services.sqs-cloudwatch-consumer.regions": regions,
    "inputs.aws.services.audit-events-all.types": "[audits_s3]",
    "inputs.aws.services.audit-events-all.request_period_in_seconds": "300",
    "inputs.aws.services.audit-events-all.start_time": startTime,
    "inputs.aws.services.audit-events-all.auto_event_type": "false",
    "inputs.aws.services.audit-events-all.drop_event_names": "[Decrypt, AssumeRole]",
    "inputs.aws.services.audit-events-all.audit_sqs_queue_name": QUEUES.cloudtrail,
    "inputs.aws.services.audit-events-all.s3_file_type_filter": "'/CloudTrail/'",
    "inputs.aws.services.audit-events-all.use_region_and_account_id_from_event": "true",
    "inputs.aws.services.audit-events-all.regions": regions,
    "inputs.aws.services.metrics-all.regions": regions,
    "inputs.aws.services.non-cloudwatch-logs.types": "[flowlogs, cloudfrontlogs]",
    "inputs.aws.services.non-cloudwatch-logs.regions": regions,
    "inputs.aws.services.non-cloudwatch-logs.start_time": startTime,
    "inputs.aws.services.non-cloudwatch-logs.vpcflowlogs_sqs_queue_name": QUEUES.flowlogs,
    "inputs.aws.services.non-cloudwatch-logs.cloudfrontlogs_sqs_queue_name": QUEUES.cloudfront,
    "inputs.aws.services.custom_service.types": "[logs]",
    "inputs.aws.services.custom_service.log_groups": "/aws/lambda/checkout",
    "inputs.aws.services.custom_service.start_time": startTime,
    "inputs.aws.services.custom_service.regions": regions,
  };
}

async function filledTemplate(startTime: string): Promise<string> {
  return fillDevoTemplate(await readFile(TEMPLATE_PATH, "utf8"), values(startTime));
}

describe("Devo's AWS collector template", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "devo-template-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is the fixture, word for word, as the AWS collector page prints it", async (t) => {
    if (!existsSync(SEED_PATH)) {
      t.skip(`Devo's page is not beside the project (${SEED_PATH}): the fixture cannot be compared with it`);
      return;
    }
    const page = await readFile(SEED_PATH, "utf8");
    const fixture = await readFile(TEMPLATE_PATH, "utf8");
    assert.ok(page.includes(fixture.trimEnd()), "the fixture must be a verbatim block of Devo's page");
    assert.match(fixture, /^globals:\n/);
    assert.match(fixture, /log_groups: <log_group_value>/);
  });

  it("filled in, passes validate (no network) and says what would run, with Devo's tables", async () => {
    const path = join(dir, "config.yaml");
    await writeFile(path, await filledTemplate("2026-01-01T00:00:00.000Z"));
    const run = captureIo();
    assert.equal(await runValidateCommand(["--config", path], run.io), 0, run.err());
    const out = run.out();
    for (const expected of [
      `service-events-all: queue '${QUEUES.events}' (by name) in ${REGION} → cloud.aws.cloudwatch.events | cloud.aws.cloudwatch.<event_type>`,
      `sqs-cloudwatch-consumer: queue '${QUEUES.events}' (by name) in ${REGION} → cloud.aws.securityhub.findings`,
      `audit-events-all: queue '${QUEUES.cloudtrail}' (by name) in ${REGION}`,
      `non-cloudwatch-logs (flowlogs): queue '${QUEUES.flowlogs}' (by name)`,
      `non-cloudwatch-logs (cloudfrontlogs): queue '${QUEUES.cloudfront}' (by name)`,
      `metrics-all: CloudWatch ListMetrics + GetMetricData in ${REGION} → cloud.aws.cloudwatch.metrics`,
      `custom_service: CloudWatch Logs DescribeLogGroups + FilterLogEvents in ${REGION} → cloud.aws.cloudwatch.logs`,
      "output devo_1: devo_platform collector-eu.devo.io:443",
    ]) {
      assert.ok(out.includes(expected), `missing «${expected}» in:\n${out}`);
    }
  });

  it("validate lists every problem and exits 2", async () => {
    const path = join(dir, "broken.yaml");
    const text = (await filledTemplate("2026-01-01T00:00:00.000Z"))
      .replace(`audit_sqs_queue_name: ${QUEUES.cloudtrail}`, "audit_sqs_queue_name: not a queue name")
      .replace("s3_file_type_filter: '/CloudTrail/'", "s3_file_type_filter: '(unclosed'");
    await writeFile(path, text);
    const run = captureIo();
    assert.equal(await runValidateCommand(["--config", path], run.io), 2);
    assert.match(
      run.err(),
      /inputs\.aws\.services\.audit-events-all\.audit_sqs_queue_name: expected an SQS queue name/,
    );
    assert.match(run.err(), /inputs\.aws\.services\.audit-events-all\.s3_file_type_filter: .*regular expression/);
  });
});

describe("Devo's AWS collector template, run against fauxqs", () => {
  const sts = mockClient(STSClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const logs = mockClient(CloudWatchLogsClient);
  let server: Awaited<ReturnType<typeof startFauxqs>>;
  let s3: S3Client;

  before(async () => {
    server = await startFauxqs({ port: 0, logger: false, defaultRegion: REGION });
    for (const name of Object.values(QUEUES)) {
      const dlq = server.createQueue(`${name}-dlq`);
      server.createQueue(name, {
        attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: "3" }),
        },
      });
    }
    server.createBucket(BUCKET);
    s3 = new S3Client({
      region: REGION,
      endpoint: server.address,
      forcePathStyle: true,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
  });
  after(async () => {
    s3.destroy();
    await server.stop();
  });
  afterEach(() => {
    sts.reset();
    cloudwatch.reset();
    logs.reset();
  });

  async function put(key: string, body: string | Uint8Array) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }

  it("runs every queue service: events arrive under Devo's tables, every queue drained", async () => {
    // STS, CloudWatch and CloudWatch Logs have no emulator: AWS's documented response shapes, no data.
    sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => ({
      Credentials: {
        AccessKeyId: "ASIAEXAMPLEASSUMED00",
        SecretAccessKey: "assumed-secret",
        SessionToken: "assumed-token",
        Expiration: new Date(Date.now() + 3_600_000),
      },
      AssumedRoleUser: { AssumedRoleId: "AROAEXAMPLE:devo", Arn: `${input.RoleArn}/devo` },
    }));
    cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    logs.on(FilterLogEventsCommand).resolves({ events: [], searchedLogStreams: [] });

    // CloudTrail: a log file, a digest and an Insights file on the CloudTrail queue.
    const trail = generateCloudTrailFile({ seed: 3, records: 40 });
    const trailKey = `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/2026/12/02/${ACCOUNT}_CloudTrail_${REGION}_20261202T1000Z_a1.json.gz`;
    await put(trailKey, gzipSync(cloudTrailFileBody(trail)));
    const digestKey = `AWSLogs/${ACCOUNT}/CloudTrail-Digest/${REGION}/2026/12/02/${ACCOUNT}_CloudTrail-Digest_${REGION}_x.json.gz`;
    await put(digestKey, gzipSync("{}"));
    const insightKey = `AWSLogs/${ACCOUNT}/CloudTrail-Insight/${REGION}/2026/12/02/${ACCOUNT}_CloudTrail-Insight_${REGION}_x.json.gz`;
    await put(insightKey, gzipSync('{"Records":[]}'));
    server.sendMessage(QUEUES.cloudtrail, s3EventNotification([{ bucket: BUCKET, key: trailKey }], REGION, ACCOUNT));
    server.sendMessage(
      QUEUES.cloudtrail,
      s3EventNotification(
        [
          { bucket: BUCKET, key: digestKey },
          { bucket: BUCKET, key: insightKey },
        ],
        REGION,
        ACCOUNT,
      ),
    );

    // VPC Flow Logs and CloudFront, each on the queue named for its module.
    const flowKey = `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/02/${ACCOUNT}_vpcflowlogs_${REGION}_fl-1_20261202T1000Z_b1.log.gz`;
    const flowLines = [
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
      `2 ${ACCOUNT} eni-0a1b 10.0.0.5 10.0.1.9 443 49152 6 10 5200 1764669600 1764669660 ACCEPT OK`,
      `2 ${ACCOUNT} eni-0a1b 10.0.0.7 10.0.1.9 22 49153 6 3 180 1764669600 1764669660 REJECT OK`,
    ];
    await put(flowKey, gzipSync(`${flowLines.join("\n")}\n`));
    server.sendMessage(QUEUES.flowlogs, s3EventNotification([{ bucket: BUCKET, key: flowKey }], REGION, ACCOUNT));
    const cloudFrontKey = "cdn/E2EXAMPLE1234.2026-12-02-10.a1b2c3d4.gz";
    const cloudFrontRecord = [
      "2026-12-02",
      "10:00:06",
      "FRA56-C1",
      "2390",
      "192.0.2.10",
      "GET",
      "d111111abcdef8.cloudfront.net",
      "/index.html",
      "200",
    ].join("\t");
    await put(cloudFrontKey, gzipSync(`#Version: 1.0\n#Fields: date time x-edge-location\n${cloudFrontRecord}\n`));
    server.sendMessage(
      QUEUES.cloudfront,
      s3EventNotification([{ bucket: BUCKET, key: cloudFrontKey }], REGION, ACCOUNT),
    );

    // EventBridge: a service event and a Security Hub finding on the one shared queue.
    const ec2Event = {
      version: "0",
      id: "7bf73129-1428-4cd3-a780-95db273d1602",
      "detail-type": "EC2 Instance State-change Notification",
      source: "aws.ec2",
      account: ACCOUNT,
      time: "2026-12-02T10:00:00Z",
      region: REGION,
      resources: [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc`],
      detail: { "instance-id": "i-0abc", state: "running" },
    };
    const finding = {
      SchemaVersion: "2018-10-08",
      Id: "finding-1",
      ProductArn: `arn:aws:securityhub:${REGION}::product/aws/guardduty`,
      AwsAccountId: ACCOUNT,
      UpdatedAt: "2026-12-02T10:00:01Z",
      Title: "EC2 instance is communicating with a known C&C server",
    };
    const securityHubEvent = {
      version: "0",
      id: "8e5622f9-d81c-4d81-612a-9319e7ee2506",
      "detail-type": "Security Hub Findings - Imported",
      source: "aws.securityhub",
      account: ACCOUNT,
      time: "2026-12-02T10:00:02Z",
      region: REGION,
      resources: [],
      detail: { findings: [finding] },
    };
    server.sendMessage(QUEUES.events, JSON.stringify(ec2Event));
    server.sendMessage(QUEUES.events, JSON.stringify(securityHubEvent));

    // Devo's template, filled in; our one addition is where AWS is (the emulator), since none is reachable here.
    const document = parse(await filledTemplate(new Date(Date.now() - 600_000).toISOString()));
    Object.assign(document.inputs.aws, {
      endpoint_url: server.address,
      s3_force_path_style: true,
      sqs_wait_timeout: 1,
    });
    document.globals.persistence.config.directory_name = join(tmpdir(), `devo-template-state-${process.pid}`);
    const output = new MemoryOutput();
    const worker = startInProcessWorker(document, [output], { untilIdle: true });
    const summary = await worker.done;

    const byTag = new Map<string, number>();
    for (const event of output.events) byTag.set(event.tag, (byTag.get(event.tag) ?? 0) + 1);
    const kept = trail.records.filter((r) => r.eventName !== "Decrypt" && r.eventName !== "AssumeRole");
    const trailTags = [...byTag].filter(([tag]) => tag.startsWith("cloud.aws.cloudtrail."));
    assert.equal(
      trailTags.reduce((sum, [, count]) => sum + count, 0),
      kept.length,
    );
    // use_region_and_account_id_from_event: true: `.<account>.<region>` of each record.
    for (const [tag] of trailTags)
      assert.match(tag, new RegExp(`^cloud\\.aws\\.cloudtrail\\.events\\.${ACCOUNT}\\.[a-z]+_[a-z]+_\\d$`));
    assert.equal(byTag.get("cloud.aws.vpc.unknown"), 2);
    assert.equal(byTag.get("cloud.aws.cloudfront.unknown"), 1);
    assert.equal(byTag.get("cloud.aws.cloudwatch.ec2"), 1);
    assert.equal(byTag.get("cloud.aws.securityhub.findings"), 1);
    assert.equal(output.events.length, kept.length + 5);
    assert.equal(summary.workFailed, 0);
    // The queue names were resolved under the assumed role, with Devo's ExternalId.
    const assumed = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
    assert.ok(assumed.some((input) => input.ExternalId === "devo-7d1f2c9a-4b1e"));
    for (const name of Object.values(QUEUES)) {
      const queue = server.inspectQueue(name)?.messages;
      assert.deepEqual(
        [queue?.ready.length, queue?.inflight.length, queue?.delayed.length],
        [0, 0, 0],
        `${name} drained`,
      );
      assert.equal(server.inspectQueue(`${name}-dlq`)?.messages.ready.length ?? 0, 0, `${name}-dlq empty`);
    }
  });

  it("stops with one clear error when a named queue does not exist in a region", async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: "ASIAEXAMPLEASSUMED00",
        SecretAccessKey: "assumed-secret",
        SessionToken: "assumed-token",
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const document = parse(await filledTemplate(new Date().toISOString()));
    document.inputs.aws.services = {
      "service-events-all": { cloudwatch_sqs_queue_name: "no-such-queue", regions: [REGION] },
    };
    Object.assign(document.inputs.aws, { endpoint_url: server.address, s3_force_path_style: true });
    const worker = startInProcessWorker(document, [new MemoryOutput()], { untilIdle: true });
    await assert.rejects(worker.done, (error: Error) => {
      assert.match(
        error.message,
        new RegExp(
          `inputs\\.aws\\.services\\.service-events-all\\.cloudwatch_sqs_queue_name: queue 'no-such-queue' does not exist in region ${REGION}`,
        ),
      );
      return true;
    });
  });
});
