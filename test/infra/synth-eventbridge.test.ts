import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertHardenedQueue, assertJsonAttributesAreExpressions } from "./helpers/expectations.ts";
import { ACCOUNT, eventBridgeScenario, REGION } from "./helpers/scenarios.ts";
import { synthesize } from "./helpers/synth.ts";

// One synth for the file: EventBridge rules only (service events and Security Hub), S3 remote state.
const synth = synthesize(eventBridgeScenario());
const ruleOf = (name: string) => synth.one("aws_cloudwatch_event_rule", (r) => r.config.name === name);

describe("EventBridge rules (DESIGN 6a)", () => {
  it("sends Security Hub imported findings to their queue", () => {
    const rule = ruleOf("acme-security-hub-findings");
    assert.equal(rule.config.state, "ENABLED");
    assert.deepEqual(synth.document(rule, "event_pattern"), {
      source: ["aws.securityhub"],
      "detail-type": ["Security Hub Findings - Imported"],
    });
  });

  it("sends the configured service events to their queue", () => {
    assert.deepEqual(synth.document(ruleOf("acme-service-events"), "event_pattern"), {
      source: ["aws.guardduty", "aws.health"],
      "detail-type": ["GuardDuty Finding", "AWS Health Event"],
    });
  });

  it("targets each rule at its own queue, whose policy admits only that rule", () => {
    for (const [ruleName, queueName] of [
      ["acme-security-hub-findings", "acme-security-hub"],
      ["acme-service-events", "acme-service-events"],
    ]) {
      const { queue, policy } = assertHardenedQueue(synth, queueName, { encryption: "sse-sqs" });
      const target = synth.one(
        "aws_cloudwatch_event_target",
        (t) => t.config.rule === `\${${ruleOf(ruleName).address}.name}`,
      );
      assert.equal(target.config.arn, `\${${queue.address}.arn}`);
      const statements = synth.document(policy, "policy").Statement;
      assert.equal(statements.length, 1);
      assert.deepEqual(statements[0].Principal, { Service: "events.amazonaws.com" });
      assert.deepEqual(statements[0].Condition, {
        ArnEquals: { "aws:SourceArn": `arn:aws:events:${REGION}:${ACCOUNT}:rule/${ruleName}` },
      });
    }
  });

  it("needs no bucket: none is created, nothing notifies, the reader gets no object access", () => {
    for (const type of ["aws_s3_bucket", "aws_s3_bucket_policy", "aws_s3_bucket_notification"]) {
      assert.equal(synth.ofType(type).length, 0, type);
    }
    assert.equal(synth.output("bucket"), "");
    const reader = synth.document(synth.one("aws_iam_policy"), "policy");
    assert.deepEqual(
      reader.Statement.map((s: { Sid: string }) => s.Sid),
      ["ConsumeCollectorQueues"],
    );
  });

  it("outputs the queues with Devo's service names", () => {
    const outputs = synth.output("technologies") as Record<string, Record<string, unknown>>;
    assert.equal(outputs.service_events.service, "service-events-all");
    assert.deepEqual(outputs.security_hub.buckets, [], "EventBridge queues carry events, not bucket notifications");
    assert.equal(outputs.security_hub.service, "sqs-cloudwatch-consumer");
    assert.equal(outputs.security_hub.queue_arn, `arn:aws:sqs:${REGION}:${ACCOUNT}:acme-security-hub`);
  });

  it("keeps state in S3, encrypted, with S3-native locking when asked", () => {
    assert.deepEqual(synth.json.terraform.backend, {
      s3: {
        bucket: "acme-terraform-state",
        key: "devo/pipeline.tfstate",
        region: REGION,
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("renders every JSON attribute through jsonencode", () => {
    assertJsonAttributesAreExpressions(synth);
  });
});
