import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { oneOrMany, PolicyBuildError, policyDocument } from "../../policies/policy-document.ts";

const allowQueue = {
  Sid: "A",
  Effect: "Allow" as const,
  Principal: { Service: "s3.amazonaws.com" },
  Action: "sqs:SendMessage",
  Resource: "arn:aws:sqs:eu-west-1:111122223333:q",
};

describe("policyDocument", () => {
  it("returns a 2012-10-17 document with the statements", () => {
    const doc = policyDocument("p", "resource", [allowQueue]);
    assert.equal(doc.Version, "2012-10-17");
    assert.deepEqual(doc.Statement, [allowQueue]);
  });

  it("refuses Sids IAM would reject and duplicate Sids", () => {
    assert.throws(() => policyDocument("p", "resource", [{ ...allowQueue, Sid: "has-dash" }]), PolicyBuildError);
    assert.throws(() => policyDocument("p", "resource", [allowQueue, allowQueue]), /used twice/);
  });

  it("refuses wildcard actions and wildcard principals on Allow", () => {
    assert.throws(() => policyDocument("p", "resource", [{ ...allowQueue, Action: "sqs:*" }]), /wildcard action/);
    assert.throws(() => policyDocument("p", "resource", [{ ...allowQueue, Action: ["*"] }]), /wildcard action/);
    assert.throws(() => policyDocument("p", "resource", [{ ...allowQueue, Principal: "*" }]), /every principal/);
    assert.throws(
      () => policyDocument("p", "resource", [{ ...allowQueue, Principal: { AWS: "*" } }]),
      /every principal/,
    );
  });

  it("accepts a wildcard principal on Deny and the account-root key delegation", () => {
    policyDocument("p", "resource", [{ ...allowQueue, Effect: "Deny", Principal: "*", Action: "sqs:*" }]);
    policyDocument("p", "resource", [
      {
        Sid: "K",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "kms:*",
        Resource: "*",
      },
    ]);
    assert.throws(
      () =>
        policyDocument("p", "resource", [
          {
            Sid: "K",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:role/x" },
            Action: "kms:*",
            Resource: "*",
          },
        ]),
      /wildcard action/,
    );
  });

  it("keeps each kind's elements: no Principal in identity policies, no Resource in trust policies", () => {
    assert.throws(() => policyDocument("p", "identity", [allowQueue]), /identity policy takes no Principal/);
    assert.throws(() => policyDocument("p", "trust", [allowQueue]), /trust policy takes no Resource/);
    const { Principal: _principal, ...identity } = allowQueue;
    assert.throws(() => policyDocument("p", "resource", [identity]), /names no Principal/);
  });

  it("refuses strings that would break the HCL output (quotes, backslashes, control characters)", () => {
    for (const bad of ['arn:aws:sqs:eu-west-1:111122223333:"q"', "arn\\x", "arn\nx"]) {
      assert.throws(
        () => policyDocument("p", "resource", [{ ...allowQueue, Resource: bad }]),
        /quote, backslash or control/,
      );
    }
    assert.throws(
      () =>
        policyDocument("p", "resource", [
          { ...allowQueue, Condition: { StringEquals: { "aws:SourceAccount": 'x"y' } } },
        ]),
      /quote/,
    );
  });

  it("refuses empty statements, actions and resources", () => {
    assert.throws(() => policyDocument("p", "resource", []), /at least one statement/);
    assert.throws(() => policyDocument("p", "resource", [{ ...allowQueue, Action: [] }]), /empty list/);
    assert.throws(() => policyDocument("p", "resource", [{ ...allowQueue, Resource: "" }]), /is empty/);
  });
});

describe("oneOrMany", () => {
  it("keeps a single value a string and sorts several without duplicates", () => {
    assert.equal(oneOrMany(["a", "a"]), "a");
    assert.deepEqual(oneOrMany(["b", "a", "b"]), ["a", "b"]);
  });
});
