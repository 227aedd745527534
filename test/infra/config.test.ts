import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { DEVO_TRUSTED_ROLE_ARN, loadPipelineConfig, parsePipelineConfig } from "../../infra/config.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { assertIssue, issuesOf } from "./helpers/config-issues.ts";
import { ACCOUNT, directScenario, EXTERNAL_ID, kmsScenario, REGION } from "./helpers/scenarios.ts";

const minimal = () => ({
  account: ACCOUNT,
  region: REGION,
  bucket: { name: "acme-logs-bucket" },
  technologies: { cloudtrail: { type: "cloudtrail" } },
});

describe("pipeline configuration: defaults", () => {
  it("fills every default of a minimal file", () => {
    const config = parsePipelineConfig(minimal());
    assert.equal(config.stackName, "devo-aws-logs");
    assert.equal(config.partition, "aws");
    assert.deepEqual(config.bucket, {
      name: "acme-logs-bucket",
      create: true,
      replaceNotifications: true,
      carryOverNotifications: [],
      carryOverEventBridge: false,
      managePolicy: true,
      forceDestroy: false,
      existingKmsKeyArn: undefined,
      lifecycle: { expireDays: 365, noncurrentExpireDays: 30, abortIncompleteMultipartDays: 7 },
    });
    assert.equal(config.trail, undefined);
    assert.deepEqual(config.technologies, [
      {
        name: "cloudtrail",
        origin: "technologies.cloudtrail",
        type: "cloudtrail",
        service: "aws_sqs_cloudtrail",
        queueName: "devo-logs-cloudtrail",
        filters: [{ prefix: `AWSLogs/${ACCOUNT}/CloudTrail/`, suffix: ".json.gz", events: ["s3:ObjectCreated:*"] }],
      },
    ]);
    assert.deepEqual(config.queues, {
      visibilityTimeoutSeconds: 300,
      messageRetentionSeconds: 345600,
      deadLetterRetentionSeconds: 1209600,
      maxReceiveCount: 5,
      receiveWaitTimeSeconds: 20,
    });
    assert.deepEqual(config.encryption, { mode: "sse" });
    assert.deepEqual(config.access, {
      mode: "devo",
      roleName: "devo-logs-devo-reader",
      trustedRoleArn: DEVO_TRUSTED_ROLE_ARN,
      externalId: undefined,
      maxSessionDurationSeconds: 3600,
    });
    assert.deepEqual(config.backend, { type: "local", path: "../../../terraform.devo-aws-logs.tfstate" });
  });

  it("maps every technology type to Devo's service name", () => {
    const config = parsePipelineConfig({
      ...directScenario(),
      eventbridge: { service_events: { sources: ["aws.health"] }, security_hub: {} },
    });
    const services = Object.fromEntries([...config.technologies, ...config.eventRules].map((t) => [t.name, t.service]));
    assert.deepEqual(services, {
      cloudtrail: "aws_sqs_cloudtrail",
      vpc: "aws_sqs_vpc",
      alb: "aws_sqs_alb",
      elb: "aws_sqs_elb",
      waf: "aws_sqs_waf",
      dns: "aws_sqs_route53",
      config: "aws_sqs_config",
      access_logs: "aws_sqs_s3_access",
      cdn: "custom_service",
      app: "custom_service",
      service_events: "service-events-all",
      security_hub: "sqs-cloudwatch-consumer",
    });
    const kms = parsePipelineConfig(kmsScenario());
    assert.equal(kms.technologies.find((t) => t.type === "guardduty")?.service, "aws_sqs_guard_duty");
  });

  it("routes CloudTrail Insights files too when the trail records Insights", () => {
    const config = parsePipelineConfig({
      ...minimal(),
      trail: { key_prefix: "org/", insights: ["ApiErrorRateInsight"] },
    });
    assert.deepEqual(
      config.technologies[0].filters.map((f) => f.prefix),
      [`org/AWSLogs/${ACCOUNT}/CloudTrail/`, `org/AWSLogs/${ACCOUNT}/CloudTrail-Insight/`],
    );
  });

  it("refuses the committed example file only for its placeholder account, and loads it with a real one", () => {
    const text = readFileSync(new URL("../../pipeline.config.example.yaml", import.meta.url).pathname, "utf8");
    const issues = issuesOf(parseYaml(text));
    assert.deepEqual(
      issues.map((i) => i.path),
      ["account"],
    );
    assertIssue(issues, "account", /123456789012 is the example account of AWS's documentation/);
    const config = parsePipelineConfig({ ...parseYaml(text), account: "111122223333" });
    assert.deepEqual(
      config.technologies.map((t) => t.name),
      ["cloudtrail", "vpc", "alb"],
    );
  });
});

describe("pipeline configuration: errors name the path and the reason", () => {
  it("refuses unknown keys and wrong types", () => {
    const issues = issuesOf({
      ...minimal(),
      bucket: { name: "acme-logs-bucket", versioning: false },
      queues: { max_receive_count: "5" },
    });
    // An unknown key is named at its own path, with the valid key it looks like.
    assertIssue(issues, "bucket.versioning", /^unknown key$/);
    assertIssue(issues, "queues.max_receive_count", /number/);
    const typo = issuesOf({ ...minimal(), trail: { managment_events: true } });
    assertIssue(typo, "trail.managment_events", /^unknown key \(did you mean 'management_events'\?\)$/);
  });

  it("asks for the account id in quotes when YAML read it as a number", () => {
    assertIssue(issuesOf({ ...minimal(), account: 12345678901 }), "account", /in quotes/);
    assertIssue(issuesOf({ ...minimal(), account: "1234" }), "account", /12-digit/);
  });

  it("refuses overlapping notification filters for one event type, naming both technologies", () => {
    const issues = issuesOf({
      ...minimal(),
      technologies: {
        elb: { type: "elb", prefix: "lb/", suffix: ".log" },
        alb: { type: "alb", prefix: "lb/AWSLogs/", suffix: "" },
      },
    });
    assertIssue(
      issues,
      "technologies.elb",
      /technologies\.elb .* and technologies\.alb .* overlap for s3:ObjectCreated:\*/,
    );
    assertIssue(issues, "technologies.elb", /"lb\/AWSLogs\/example\.log" matches both/);
  });

  it("refuses an ExternalId STS would refuse, without repeating it", () => {
    const secretish = "not allowed#chars";
    const issues = issuesOf({ ...minimal(), access: { mode: "devo", external_id: secretish } });
    assertIssue(issues, "access.external_id", /may contain only/);
    assert.ok(issues.every((i) => !i.message.includes(secretish)));
    assertIssue(
      issuesOf({ ...minimal(), access: { mode: "devo", external_id: "x" } }),
      "access.external_id",
      /at least 2/,
    );
  });

  it("refuses bucket names AWS would refuse", () => {
    assertIssue(issuesOf({ ...minimal(), bucket: { name: "Acme_Logs" } }), "bucket.name", /lowercase/);
    assertIssue(issuesOf({ ...minimal(), bucket: { name: "xn--logs" } }), "bucket.name", /reserved prefix/);
  });

  it("refuses WAF logs in a bucket without the aws-waf-logs- prefix", () => {
    const issues = issuesOf({ ...minimal(), technologies: { waf: { type: "waf" } } });
    assertIssue(issues, "bucket.name", /starts with "aws-waf-logs-".*technologies\.waf/);
  });

  it("refuses encryption combinations AWS services cannot use", () => {
    const elbWithKms = issuesOf({ ...minimal(), technologies: { alb: { type: "alb" } }, encryption: { mode: "kms" } });
    assertIssue(elbWithKms, "technologies.alb", /SSE-S3.*encryption\.bucket: sse-s3/);
    assertIssue(
      issuesOf({ ...minimal(), technologies: { gd: { type: "guardduty" } } }),
      "technologies.gd",
      /encryption\.mode: kms/,
    );
    assertIssue(issuesOf({ ...minimal(), trail: { kms: true } }), "trail.kms", /encryption\.mode: kms/);
    assertIssue(
      issuesOf({ ...minimal(), encryption: { kms_key_arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/abc` } }),
      "encryption.kms_key_arn",
      /only with encryption\.mode: kms/,
    );
    assertIssue(
      issuesOf({
        ...minimal(),
        encryption: { mode: "kms", kms_key_arn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/logs` },
      }),
      "encryption.kms_key_arn",
      /not an alias/,
    );
  });

  it("refuses a dead-letter queue that would drop messages before their source does", () => {
    const issues = issuesOf({ ...minimal(), queues: { message_retention_seconds: 1209600 } });
    assertIssue(issues, "queues.dead_letter_retention_seconds", /longer than queues\.message_retention_seconds/);
  });

  it("checks the trail against the bucket and its own settings", () => {
    const existing = { ...minimal(), bucket: { name: "acme-logs-bucket", create: false }, trail: {} };
    assertIssue(issuesOf(existing), "trail.create", /bucket\.manage_policy: true/);
    assertIssue(issuesOf({ ...minimal(), trail: { management_events: false } }), "trail", /record nothing/);
    assertIssue(
      issuesOf({
        ...minimal(),
        trail: {
          management_events: false,
          insights: ["ApiCallRateInsight"],
          data_events: [{ resource_type: "AWS::Lambda::Function" }],
        },
      }),
      "trail.insights",
      /management events/,
    );
    const selfLogging = {
      ...minimal(),
      trail: { data_events: [{ resource_type: "AWS::S3::Object", arn_prefixes: ["arn:aws:s3:::acme-logs-bucket/"] }] },
    };
    assertIssue(issuesOf(selfLogging), "trail.data_events[0].arn_prefixes[0]", /without end/);
  });

  it("checks SNS fan-out references", () => {
    const issues = issuesOf({
      ...minimal(),
      sns: { subscribers: [{ technology: "nope", protocol: "sqs", endpoint: "arn:aws:sqs:eu-west-1:111122223333:x" }] },
    });
    assertIssue(issues, "sns.subscribers[0]", /sns\.enabled: true/);
    assertIssue(issues, "sns.subscribers[0].technology", /"nope" is not one of the technologies \(cloudtrail\)/);
  });

  it("asks for a bucket when technologies or the trail write into one", () => {
    const { bucket: _bucket, ...withoutBucket } = minimal();
    assertIssue(issuesOf(withoutBucket), "bucket", /required: the technologies/);
    assertIssue(
      issuesOf({ ...withoutBucket, technologies: {}, trail: {}, eventbridge: { security_hub: {} } }),
      "bucket",
      /required/,
    );
    const eventsOnly = parsePipelineConfig({ ...withoutBucket, technologies: {}, eventbridge: { security_hub: {} } });
    assert.equal(eventsOnly.bucket, undefined);
  });

  it("asks for the prefix of a custom technology and for at least one source", () => {
    assertIssue(
      issuesOf({ ...minimal(), technologies: { app: { type: "custom" } } }),
      "technologies.app.prefix",
      /key prefix/,
    );
    assertIssue(issuesOf({ ...minimal(), technologies: {} }), "technologies", /nothing to collect/);
  });

  it("refuses two technologies sharing a queue, and names taken by EventBridge queues", () => {
    const issues = issuesOf({
      ...minimal(),
      technologies: {
        cloudtrail: { type: "cloudtrail", queue: "shared" },
        vpc: { type: "vpcflow", queue: "shared" },
        security_hub: { type: "config" },
      },
      eventbridge: { security_hub: {} },
    });
    assertIssue(issues, "technologies.vpc", /queue name "shared" is also used by technologies\.cloudtrail/);
    assertIssue(issues, "technologies.security_hub", /taken by the eventbridge\.security_hub queue/);
  });

  it("refuses free text that would break the HCL output", () => {
    const issues = issuesOf({
      ...minimal(),
      tags: { owner: "C:\\team" },
      backend: { type: "s3", bucket: "state", key: 'a"b' },
    });
    assertIssue(issues, "tags.owner", /backslashes/);
    assertIssue(issues, "backend.key", /quotes/);
  });

  it("reports every problem at once", () => {
    const issues = issuesOf({
      ...minimal(),
      bucket: { name: "BAD" },
      access: { mode: "devo", external_id: "!" },
      technologies: { waf: { type: "waf" } },
    });
    assert.ok(issues.length >= 3, issues.map((i) => i.path).join(", "));
  });

  it("explains unreadable files", () => {
    const dir = tempDir("pipeline-config-");
    assert.throws(
      () => loadPipelineConfig(join(dir, "missing.yaml")),
      /missing\.yaml:\n {2}- \(top level\): cannot read the configuration: file not found/,
    );
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "account: [unclosed\n");
    assert.throws(() => loadPipelineConfig(broken), /not valid YAML/);
  });

  it("accepts the given ExternalId as is", () => {
    const config = parsePipelineConfig({ ...minimal(), access: { mode: "devo", external_id: EXTERNAL_ID } });
    assert.equal(config.access.mode === "devo" && config.access.externalId, EXTERNAL_ID);
  });
});
