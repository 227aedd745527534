import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { parse } from "yaml";
import { validateConfig } from "../../../../worker/config/load-config.ts";
import { readInlineEvents } from "../../../../worker/formats/read-inline-events.ts";
import { readObject } from "../../../../worker/formats/read-object.ts";
import { silentLogger } from "../../../../worker/observability/logger.ts";
import { createMetrics } from "../../../../worker/observability/metrics.ts";
import { buildSources } from "../../../../worker/pipeline/build-sources.ts";
import { Pipeline } from "../../../../worker/pipeline/pipeline.ts";
import { createStateStore } from "../../../../worker/state/create-state-store.ts";
import { MemoryOutput } from "../../../helpers/memory-output.ts";
import { fakeLookupEvents, type TrailEvent } from "./cloudtrail-fake.ts";
import { ec2Metric, fakeGetMetricData, fakeListMetrics } from "./cloudwatch-fake.ts";
import { fakeDescribeLogGroups, fakeFilterLogEvents, type LogEvent } from "./cloudwatch-logs-fake.ts";

/**
 * An AWS collector configuration in Devo's shape with our additions (queue URLs as `base_url`, `namespaces`, a list of
 * log groups). Devo's own template, verbatim and filled in, is tested in test/worker/config/devo-aws-template.test.ts.
 */
const AWS_COLLECTOR_WITH_EXTENSIONS = `globals:
  debug: false
  id: not_used
  name: aws
  persistence:
    type: filesystem
    config:
      directory_name: state
outputs:
  devo_1:
    type: devo_platform
    config:
      address: collector-eu.devo.io
      port: 443
      type: SSL
      chain: chain.crt
      cert: mydomain.crt
      key: mydomain.key
inputs:
  aws:
    id: 12351
    enabled: true
    credentials:
      access_key: AKIAIOSFODNN7EXAMPLE
      access_secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
      base_assume_role: arn:aws:iam::837131528613:role/devo-xaccount-cs-role
      target_assume_role: arn:aws:iam::123456789012:role/devo-collector-reader
      assume_role_external_id: devo-7d1f2c9a-4b1e
    ack_messages: true
    base_url: https://sqs.eu-west-1.amazonaws.com/123456789012/devo-service-events
    region: eu-west-1
    services:
      service-events-all:
        request_period_in_seconds: 60
        auto_event_type: true
        regions:
          - eu-west-1
      sqs-cloudwatch-consumer:
        base_url: https://sqs.eu-west-1.amazonaws.com/123456789012/devo-securityhub-findings
        regions:
          - eu-west-1
      audit-events-all:
        types:
          - audits_api
        request_period_in_seconds: 300
        start_time: "2026-11-01T00:00:00Z"
        auto_event_type: true
        drop_event_names:
          - GetObject
          - ListBuckets
        use_region_and_account_id_from_event: true
        regions:
          - eu-west-1
          - us-east-1
      metrics-all:
        request_period_in_seconds: 300
        namespaces:
          - AWS/EC2
          - AWS/Lambda
        regions:
          - eu-west-1
      non-cloudwatch-logs:
        types:
          - flowlogs
          - cloudfrontlogs
        base_url: https://sqs.eu-west-1.amazonaws.com/123456789012/devo-vpc-cloudfront
        regions:
          - eu-west-1
      custom_service:
        log_groups:
          - /aws/lambda/*
          - app-audit
        start_time: "2026-11-01T00:00:00Z"
        request_period_in_seconds: 60
        regions:
          - eu-west-1
`;

const trail = mockClient(CloudTrailClient);
const cloudwatch = mockClient(CloudWatchClient);
const logs = mockClient(CloudWatchLogsClient);

describe("an AWS collector configuration with our extensions", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "devo-aws-config-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    trail.reset();
    cloudwatch.reset();
    logs.reset();
  });

  /** The example with the persistence directory in the test folder and the start times moved to `start`. */
  function config(start: Date) {
    const document = parse(AWS_COLLECTOR_WITH_EXTENSIONS);
    document.globals.persistence.config.directory_name = join(dir, "state");
    for (const service of ["audit-events-all", "custom_service"]) {
      document.inputs.aws.services[service].start_time = start.toISOString();
    }
    document.inputs.aws.services["metrics-all"].start_time = start.toISOString();
    return validateConfig(document, "devo-aws.yaml");
  }

  async function build(start: Date) {
    const parsed = config(start);
    const logger = silentLogger();
    const state = createStateStore(parsed.globals.persistence);
    const sources = await buildSources(parsed.inputs, {
      logger,
      metrics: createMetrics(),
      readers: { readObject, readInlineEvents },
      configSource: "devo-aws.yaml",
      state,
    });
    return { parsed, sources };
  }

  it("loads, with both credential hops and every service", async () => {
    const { parsed, sources } = await build(new Date(Date.now() - 900_000));
    assert.deepEqual(parsed.inputs[0].credentials, {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      baseRoleArn: "arn:aws:iam::837131528613:role/devo-xaccount-cs-role",
      targetRoleArn: "arn:aws:iam::123456789012:role/devo-collector-reader",
      externalId: "devo-7d1f2c9a-4b1e",
    });
    const ids = sources.map((s) => s.id);
    for (const id of [
      "aws/audit-events-all/eu-west-1",
      "aws/audit-events-all/us-east-1",
      "aws/metrics-all/eu-west-1",
      "aws/custom_service/eu-west-1",
      "aws/service-events-all/eu-west-1",
      "aws/sqs-cloudwatch-consumer/eu-west-1",
      "aws/non-cloudwatch-logs/eu-west-1",
    ]) {
      assert.ok(ids.includes(id), `no source ${id} in ${ids.join(", ")}`);
    }
  });

  it("runs its API services until idle, saving one state file per service and region", async () => {
    const now = Date.now();
    const start = new Date(Math.floor((now - 900_000) / 60_000) * 60_000);
    const trailEvents: TrailEvent[] = Array.from({ length: 60 }, (_, i) => ({
      id: `ct-${i}`,
      time: Math.floor((start.getTime() + 1000 + i * 5000) / 1000) * 1000,
      name: i % 10 === 0 ? "GetObject" : "CreateUser",
      source: "iam.amazonaws.com",
    }));
    trail.on(LookupEventsCommand).callsFake(fakeLookupEvents(() => trailEvents));
    const metrics = [ec2Metric(0), ec2Metric(2), ec2Metric(4, "AWS/Lambda")];
    cloudwatch.on(ListMetricsCommand).callsFake(fakeListMetrics(() => metrics));
    cloudwatch.on(GetMetricDataCommand).callsFake(fakeGetMetricData(() => metrics));
    const groups = ["/aws/lambda/checkout", "app-audit"];
    const logEvents: LogEvent[] = groups.flatMap((group) =>
      Array.from({ length: 5 }, (_, i) => ({
        group,
        stream: "s",
        timestamp: start.getTime() + 1000 + i,
        id: `${group}-${i}`,
        message: `${group} line ${i}\n`,
      })),
    );
    logs.on(DescribeLogGroupsCommand).callsFake(fakeDescribeLogGroups(() => groups));
    logs.on(FilterLogEventsCommand).callsFake(
      fakeFilterLogEvents(
        () => logEvents,
        () => groups,
      ),
    );

    const { sources } = await build(start);
    const api = sources.filter((s) => /audit-events-all|metrics-all|custom_service/.test(s.id));
    const output = new MemoryOutput();
    const pipeline = new Pipeline(
      api,
      [output],
      { logger: silentLogger(), metrics: createMetrics() },
      {
        concurrency: 8,
        maxBytesInFlight: 1 << 24,
        shutdownGraceMs: 1000,
      },
    );
    const summary = await pipeline.run(new AbortController().signal, { untilIdle: true });

    const tags = (prefix: string) => output.events.filter((e) => e.tag.startsWith(prefix));
    // Two regions read the same fake history; GetObject is in drop_event_names.
    assert.equal(tags("cloud.aws.cloudtrail.iam.").length, 2 * 54);
    assert.ok(tags("cloud.aws.cloudtrail.").every((e) => e.tag === "cloud.aws.cloudtrail.iam.123456789012.eu_west_1"));
    assert.ok(tags("cloud.aws.cloudwatch.metrics").length > 0);
    assert.equal(tags("cloud.aws.cloudwatch.logs.").length, 10);
    assert.equal(summary.workFailed, 0);
    const files = (await readdir(join(dir, "state"), { recursive: true }))
      .filter((f) => String(f).endsWith(".json"))
      .sort();
    assert.deepEqual(files, [
      join("aws", "audit-events-all", "eu-west-1.json"),
      join("aws", "audit-events-all", "us-east-1.json"),
      join("aws", "custom_service", "eu-west-1.json"),
      join("aws", "metrics-all", "eu-west-1.json"),
    ]);
  });
});
