import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, validateConfig } from "../../../worker/config/load-config.ts";
import { readInlineEvents } from "../../../worker/formats/read-inline-events.ts";
import { readObject } from "../../../worker/formats/read-object.ts";
import { silentLogger } from "../../../worker/observability/logger.ts";
import { createMetrics } from "../../../worker/observability/metrics.ts";
import { buildSources } from "../../../worker/pipeline/build-sources.ts";
import { regionFromQueueUrl } from "../../../worker/pipeline/queue-plan.ts";
import { MemoryStateStore } from "../../../worker/state/memory-state-store.ts";

const deps = () => ({
  logger: silentLogger(),
  metrics: createMetrics(),
  readers: { readObject, readInlineEvents },
  configSource: "<test>",
  state: new MemoryStateStore(),
});

/** Devo's AWS collector configuration, filled in: every service of the `aws` input at once. */
const AWS_COLLECTOR = {
  globals: { persistence: { type: "filesystem", config: { directory_name: "state" } } },
  outputs: {
    devo_1: {
      type: "devo_platform",
      config: {
        address: "collector-eu.devo.io",
        port: 443,
        type: "SSL",
        chain: "chain.crt",
        cert: "c.crt",
        key: "c.key",
      },
    },
  },
  inputs: {
    aws: {
      id: "12345",
      enabled: true,
      credentials: {
        access_key: "AKIAEXAMPLEKEY000000",
        access_secret: "example-secret",
        base_assume_role: "arn:aws:iam::837131528613:role/devo-xaccount-cs-role",
        target_assume_role: "arn:aws:iam::123456789012:role/devo-reader",
        assume_role_external_id: "devo-external-id",
      },
      region: "eu-west-1",
      services: {
        "service-events-all": {
          base_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/devo-events",
          auto_event_type: true,
        },
        "sqs-cloudwatch-consumer": { base_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/devo-securityhub" },
        "audit-events-all": {
          types: ["audits_api"],
          regions: ["eu-west-1", "us-east-1"],
          start_time: "2026-11-01T00:00:00Z",
          drop_event_names: ["Decrypt"],
        },
        "metrics-all": { regions: ["eu-west-1"] },
        custom_service: { log_groups: ["/aws/lambda/"] },
        "non-cloudwatch-logs": {
          types: ["flowlogs"],
          base_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/devo-flowlogs",
        },
      },
    },
  },
};

describe("buildSources", () => {
  it("makes one source per service, queue and region from Devo's AWS collector configuration", async () => {
    const config = validateConfig(AWS_COLLECTOR);
    const ids = (await buildSources(config.inputs, deps())).map((source) => source.id).sort();
    assert.deepEqual(ids, [
      "aws/audit-events-all/eu-west-1",
      "aws/audit-events-all/us-east-1",
      "aws/custom_service/eu-west-1",
      "aws/metrics-all/eu-west-1",
      "aws/non-cloudwatch-logs/eu-west-1",
      "aws/service-events-all/eu-west-1",
      "aws/sqs-cloudwatch-consumer/eu-west-1",
    ]);
  });

  it("runs audit-events-all from a queue with audits_s3, and from the API with audits_api", async () => {
    const document = structuredClone(AWS_COLLECTOR);
    document.inputs.aws.services = {
      "audit-events-all": {
        types: ["audits_api", "audits_s3"],
        base_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/devo-ct",
      },
    } as never;
    const sources = await buildSources(validateConfig(document).inputs, deps());
    assert.equal(sources.length, 2);
    assert.deepEqual(sources.map((s) => s.constructor.name).sort(), ["CloudTrailLookupSource", "SqsSource"]);
  });

  it("says which queue service lacks a queue", async () => {
    const document = structuredClone(AWS_COLLECTOR);
    document.inputs.aws.services = { "service-events-all": {} } as never;
    await assert.rejects(
      buildSources(validateConfig(document).inputs, deps()),
      (error: Error) =>
        error instanceof ConfigError && /inputs\.aws\.services\.service-events-all: needs a queue/.test(error.message),
    );
  });

  it("reads the region from a queue URL", () => {
    assert.equal(regionFromQueueUrl("https://sqs.ap-southeast-2.amazonaws.com/1/q"), "ap-southeast-2");
    assert.equal(regionFromQueueUrl("https://us-west-1.queue.amazonaws.com/1/q"), "us-west-1");
    assert.equal(regionFromQueueUrl("http://127.0.0.1:4566/1/q"), undefined);
  });
});
