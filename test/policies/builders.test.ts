import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketArn, objectsArn, partitionOf, queueArn, trailArn } from "../../policies/arns.ts";
import { buildLogBucketPolicy } from "../../policies/bucket-policy.ts";
import { buildCrossAccountTrustPolicy } from "../../policies/cross-account-trust-policy.ts";
import { externalIdProblem } from "../../policies/external-id.ts";
import { buildKeyPolicy } from "../../policies/key-policy.ts";
import { buildQueuePolicy } from "../../policies/queue-policy.ts";
import { buildReaderPolicy, READER_QUEUE_ACTIONS } from "../../policies/reader-policy.ts";

const where = { partition: "aws" as const, account: "111122223333", region: "eu-west-1" };
const queue = queueArn(where, "q");

describe("ARN builders", () => {
  it("derive the partition from the Region", () => {
    assert.equal(partitionOf("eu-west-1"), "aws");
    assert.equal(partitionOf("cn-north-1"), "aws-cn");
    assert.equal(partitionOf("us-gov-west-1"), "aws-us-gov");
  });

  it("build object ARNs that always name objects, never the bucket", () => {
    assert.equal(objectsArn("aws", "b", "AWSLogs/"), "arn:aws:s3:::b/AWSLogs/*");
    assert.equal(objectsArn("aws", "b", ""), "arn:aws:s3:::b/*");
    assert.equal(trailArn(where, "t"), "arn:aws:cloudtrail:eu-west-1:111122223333:trail/t");
  });
});

describe("buildQueuePolicy", () => {
  it("puts every sender into the one document, each pinned to its source", () => {
    const doc = buildQueuePolicy(queue, [
      { kind: "s3-bucket", bucketArn: bucketArn("aws", "b"), bucketAccount: "111122223333" },
      { kind: "sns-topic", topicArn: "arn:aws:sns:eu-west-1:111122223333:t" },
      { kind: "eventbridge-rule", ruleArn: "arn:aws:events:eu-west-1:111122223333:rule/r" },
    ]);
    assert.equal(doc.Statement.length, 3);
    for (const s of doc.Statement) {
      assert.equal(s.Action, "sqs:SendMessage");
      assert.equal(s.Resource, queue);
      assert.ok(s.Condition?.ArnEquals?.["aws:SourceArn"], `${s.Sid} has no aws:SourceArn`);
    }
    assert.equal(doc.Statement[0].Condition?.StringEquals?.["aws:SourceAccount"], "111122223333");
  });

  it("refuses a queue nobody may send to", () => {
    assert.throws(() => buildQueuePolicy(queue, []), /at least one statement/);
  });
});

describe("buildReaderPolicy", () => {
  it("grants exactly the four consumer actions, GetObject and Decrypt", () => {
    const doc = buildReaderPolicy({
      queueArns: [queue],
      objectArns: [objectsArn("aws", "log-bucket", "AWSLogs/")],
      kmsKeyArns: ["arn:aws:kms:eu-west-1:111122223333:key/abc-123"],
      region: "eu-west-1",
    });
    assert.deepEqual(
      doc.Statement.map((s) => s.Action),
      [[...READER_QUEUE_ACTIONS], "s3:GetObject", "kms:Decrypt"],
    );
  });

  it("refuses wildcards and anything that is not one queue, one object prefix or one key", () => {
    const ok = { queueArns: [queue], objectArns: [], kmsKeyArns: [], region: "eu-west-1" };
    assert.throws(
      () => buildReaderPolicy({ ...ok, queueArns: ["arn:aws:sqs:eu-west-1:111122223333:*"] }),
      /single queue/,
    );
    assert.throws(() => buildReaderPolicy({ ...ok, queueArns: ["*"] }), /single queue/);
    assert.throws(() => buildReaderPolicy({ ...ok, queueArns: [] }), /no queue/);
    assert.throws(() => buildReaderPolicy({ ...ok, objectArns: ["arn:aws:s3:::b"] }), /object ARN/);
    assert.throws(() => buildReaderPolicy({ ...ok, objectArns: ["arn:aws:s3:::*/x*"] }), /object ARN/);
    assert.throws(() => buildReaderPolicy({ ...ok, kmsKeyArns: ["*"] }), /single KMS key/);
    assert.throws(
      () => buildReaderPolicy({ ...ok, kmsKeyArns: ["arn:aws:kms:eu-west-1:111122223333:alias/x"] }),
      /single KMS key/,
    );
  });
});

describe("buildCrossAccountTrustPolicy", () => {
  const trusted = "arn:aws:iam::837131528613:role/devo-xaccount-cs-role";

  it("trusts one role with StringEquals sts:ExternalId and names no Resource", () => {
    const doc = buildCrossAccountTrustPolicy({ trustedRoleArn: trusted, externalId: "abc-123" });
    assert.deepEqual(doc.Statement, [
      {
        Sid: "AllowTrustedRoleWithExternalId",
        Effect: "Allow",
        Principal: { AWS: trusted },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": "abc-123" } },
      },
    ]);
  });

  it("refuses account roots, wildcards and ExternalIds STS would refuse", () => {
    assert.throws(
      () => buildCrossAccountTrustPolicy({ trustedRoleArn: "arn:aws:iam::837131528613:root", externalId: "abc" }),
      /one IAM role/,
    );
    assert.throws(() => buildCrossAccountTrustPolicy({ trustedRoleArn: "*", externalId: "abc" }), /one IAM role/);
    assert.throws(() => buildCrossAccountTrustPolicy({ trustedRoleArn: trusted, externalId: "a" }), /at least 2/);
    assert.throws(
      () => buildCrossAccountTrustPolicy({ trustedRoleArn: trusted, externalId: "has space" }),
      /may contain only/,
    );
  });

  it("accepts a deploy-time ExternalId only when the caller says so", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the literal shape of a cdktf token
    const token = "${TfToken[TOKEN.7]}";
    assert.throws(
      () => buildCrossAccountTrustPolicy({ trustedRoleArn: trusted, externalId: token }),
      /may contain only/,
    );
    buildCrossAccountTrustPolicy({ trustedRoleArn: trusted, externalId: token, externalIdKnownAtDeploy: true });
  });
});

describe("externalIdProblem", () => {
  it("follows STS's rule: 2-1224 characters of [\\w+=,.@:/-]", () => {
    assert.equal(externalIdProblem("ab"), undefined);
    assert.equal(externalIdProblem("a_b+c=d,e.f@g:h/i-j"), undefined);
    assert.equal(externalIdProblem("x".repeat(1224)), undefined);
    assert.match(externalIdProblem("x".repeat(1225)) ?? "", /at most 1,224/);
    assert.match(externalIdProblem("") ?? "", /at least 2/);
    assert.match(externalIdProblem("ab#") ?? "", /may contain only/);
  });
});

describe("buildLogBucketPolicy", () => {
  it("always denies requests without TLS, on the bucket and its objects", () => {
    const doc = buildLogBucketPolicy({ where, bucket: "b", producers: [] });
    assert.deepEqual(doc.Statement[0], {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("merges grants of one producer into one set of statements", () => {
    const doc = buildLogBucketPolicy({
      where,
      bucket: "b",
      producers: [
        { producer: "vended-logs", keyPrefixes: ["AWSLogs/111122223333/vpcflowlogs/"] },
        { producer: "vended-logs", keyPrefixes: ["AWSLogs/111122223333/vpcdnsquerylogs/"] },
      ],
    });
    const write = doc.Statement.find((s) => s.Sid === "VendedLogsWrite");
    assert.deepEqual(write?.Resource, [
      "arn:aws:s3:::b/AWSLogs/111122223333/vpcdnsquerylogs/*",
      "arn:aws:s3:::b/AWSLogs/111122223333/vpcflowlogs/*",
    ]);
  });

  it("admits ELB from the Region's log-delivery account where one exists, and the service principal everywhere", () => {
    const elb = { producer: "elb" as const, keyPrefixes: ["alb/"] };
    const old = buildLogBucketPolicy({ where, bucket: "b", producers: [elb] });
    assert.deepEqual(old.Statement.find((s) => s.Sid === "ElbRegionalAccountWrite")?.Principal, {
      AWS: "arn:aws:iam::156460612806:root",
    });
    const newer = buildLogBucketPolicy({ where: { ...where, region: "eu-south-2" }, bucket: "b", producers: [elb] });
    assert.equal(
      newer.Statement.find((s) => s.Sid === "ElbRegionalAccountWrite"),
      undefined,
    );
    assert.ok(newer.Statement.find((s) => s.Sid === "ElbLogDeliveryWrite"));
  });
});

describe("buildKeyPolicy", () => {
  it("has only the account delegation when nothing else uses the key", () => {
    const doc = buildKeyPolicy({
      where,
      trailArns: [],
      notifyingBuckets: [],
      topicArns: [],
      eventRuleArns: [],
      producers: new Set(),
    });
    assert.deepEqual(
      doc.Statement.map((s) => s.Sid),
      ["AccountAdministersKey"],
    );
  });

  it("adds one statement per service using the key, each bound to its sources where its requests carry them", () => {
    const doc = buildKeyPolicy({
      where,
      trailArns: [trailArn(where, "t")],
      notifyingBuckets: [{ bucketArn: bucketArn("aws", "b"), bucketAccount: "111122223333" }],
      topicArns: ["arn:aws:sns:eu-west-1:111122223333:t"],
      eventRuleArns: ["arn:aws:events:eu-west-1:111122223333:rule/r"],
      producers: new Set(["vended-logs", "config", "guardduty"] as const),
    });
    // EventBridge's KMS requests carry no source (policies/key-policy.ts); the queue policies bind it to its rules.
    const unbound = doc.Statement.filter((s) => s.Condition === undefined).map((s) => s.Sid);
    assert.deepEqual(unbound, ["AccountAdministersKey", "EventBridgeToEncryptedQueues"]);
    for (const s of doc.Statement.slice(1).filter((s) => s.Condition !== undefined)) {
      const condition = s.Condition ?? {};
      const keys = Object.values(condition).flatMap((c) => Object.keys(c ?? {}));
      assert.ok(
        keys.includes("aws:SourceArn") || keys.includes("aws:SourceAccount"),
        `${s.Sid} is not bound to a source`,
      );
      assert.notEqual(s.Action, "kms:*");
    }
    assert.equal(doc.Statement.length, 9);
  });
});
