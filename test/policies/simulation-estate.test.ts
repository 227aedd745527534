import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACCOUNT, kmsScenario, OTHER_ACCOUNT, REGION } from "../infra/helpers/scenarios.ts";
import { CREATED_KEY_ID, synthesize } from "../infra/helpers/synth.ts";
import { decide } from "./helpers/simulate.ts";

/** Issue 19, simulated on the synthesized documents as they are (nothing removed before simulating). */
const synth = synthesize(kmsScenario());
const keyPolicy = synth.document(synth.one("aws_kms_key"), "policy");
const bucketPolicy = synth.document(synth.one("aws_s3_bucket_policy"), "policy");
const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${CREATED_KEY_ID}`;
const bucket = "acme-encrypted-logs";
const guardDutyObject = `arn:aws:s3:::${bucket}/AWSLogs/${ACCOUNT}/GuardDuty/us-east-1/2025/01/01/finding.jsonl.gz`;

describe("GuardDuty exports from every Region of the account", () => {
  for (const region of [REGION, "us-east-1", "ap-southeast-2"]) {
    it(`admits the detector of ${region} to the bucket and the key`, async () => {
      const source = {
        "aws:SourceAccount": ACCOUNT,
        "aws:SourceArn": `arn:aws:guardduty:${region}:${ACCOUNT}:detector/12abc34d`,
      };
      const put = await decide({
        principal: "guardduty.amazonaws.com",
        action: "s3:PutObject",
        resource: guardDutyObject,
        resourceAccount: ACCOUNT,
        context: source,
        resourcePolicy: bucketPolicy,
      });
      assert.equal(put, "Allowed");
      const key = await decide({
        principal: "guardduty.amazonaws.com",
        action: "kms:GenerateDataKey",
        resource: keyArn,
        resourceAccount: ACCOUNT,
        context: source,
        resourcePolicy: keyPolicy,
      });
      assert.equal(key, "Allowed");
    });
  }

  it("still refuses another account's detector in any Region", async () => {
    const source = {
      "aws:SourceAccount": OTHER_ACCOUNT,
      "aws:SourceArn": `arn:aws:guardduty:us-east-1:${OTHER_ACCOUNT}:detector/12abc34d`,
    };
    for (const [action, resource, policy] of [
      ["s3:PutObject", guardDutyObject, bucketPolicy],
      ["kms:GenerateDataKey", keyArn, keyPolicy],
    ] as const) {
      const decision = await decide({
        principal: "guardduty.amazonaws.com",
        action,
        resource,
        resourceAccount: ACCOUNT,
        context: source,
        resourcePolicy: policy,
      });
      assert.equal(decision, "ImplicitlyDenied", action);
    }
  });
});
