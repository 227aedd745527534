import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  directScenario,
  eventBridgeScenario,
  existingBucketScenario,
  fanOutScenario,
  givenKeyScenario,
  kmsScenario,
  type ScenarioConfig,
} from "./helpers/scenarios.ts";
import { type Json, Synth, type SynthResource, synthesize } from "./helpers/synth.ts";

/**
 * The checkov and trivy rules reviewers run, written as tests over every scenario's synth. Each rule names the
 * resource type it reads, the scenarios it applies to (some only make sense with a customer-managed key), a check
 * returning the reason a resource fails, and a known-bad resource the check must flag, so no rule passes by
 * checking nothing. The IDs are listed in the README's infra section.
 */
const scenarios = {
  direct: directScenario(),
  fanOut: fanOutScenario(),
  kms: kmsScenario(),
  givenKey: givenKeyScenario(),
  existing: existingBucketScenario(),
  eventBridge: eventBridgeScenario(),
} satisfies Record<string, ScenarioConfig>;
const synths = Object.fromEntries(Object.entries(scenarios).map(([name, config]) => [name, synthesize(config)]));

interface Rule {
  ids: string[];
  title: string;
  type: string;
  /**
   * Scenarios the rule applies to; all by default. Customer-managed-key rules apply where the pipeline uses one
   * (encryption.mode: kms) for that resource.
   */
  only?: (keyof typeof scenarios)[];
  /** Why the resource breaks the rule, or undefined when it complies. */
  check: (r: SynthResource, synth: Synth) => string | undefined;
  /** A resource configuration the rule must refuse. */
  bad: Record<string, Json>;
}

const statements = (synth: Synth, r: SynthResource, attribute = "policy"): Json[] =>
  synth.document(r, attribute).Statement;
const principals = (s: Json): string[] =>
  s.Principal === undefined
    ? []
    : s.Principal === "*"
      ? ["*"]
      : [s.Principal.AWS ?? [], s.Principal.Service ?? []].flat();
const actions = (s: Json): string[] => [s.Action].flat();
const resources = (s: Json): string[] => [s.Resource ?? []].flat();
const publicAllow = (synth: Synth, r: SynthResource, attribute = "policy") =>
  statements(synth, r, attribute).some((s) => s.Effect === "Allow" && principals(s).includes("*"))
    ? "an Allow statement names every principal"
    : undefined;
const wildcardAllow = (synth: Synth, r: SynthResource) =>
  statements(synth, r).some((s) => s.Effect === "Allow" && actions(s).some((a) => a === "*" || a.endsWith(":*")))
    ? "an Allow statement has a wildcard action"
    : undefined;
/** Finds the companion resource (public access block, versioning, …) of a bucket resource. */
const companion = (synth: Synth, bucket: SynthResource, type: string) =>
  synth.ofType(type).find((c) => c.config.bucket === `\${${bucket.address}.id}`);
const blockSetting = (setting: string) => (r: SynthResource, synth: Synth) =>
  companion(synth, r, "aws_s3_bucket_public_access_block")?.config[setting] === true
    ? undefined
    : `${setting} is not true`;
/** Terraform's object syntax for a value, as cdktf renders it inside `jsonencode(...)`. */
const hcl = (v: Json): string =>
  typeof v === "string"
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(hcl).join(", ")}]`
      : `{${Object.entries(v)
          .map(([k, x]) => `${JSON.stringify(k)} = ${hcl(x)}`)
          .join(", ")}}`;
const policyDoc = (statement: Json) => `\${jsonencode(${hcl({ Version: "2012-10-17", Statement: [statement] })})}`;
const allowAll = { Sid: "A", Effect: "Allow", Principal: "*", Action: "sqs:*", Resource: "*" };

const RULES: Rule[] = [
  {
    ids: ["CKV2_AWS_6", "AVD-AWS-0094"],
    title: "bucket has a public access block",
    type: "aws_s3_bucket",
    check: (r, s) => (companion(s, r, "aws_s3_bucket_public_access_block") ? undefined : "no public access block"),
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV_AWS_53", "AVD-AWS-0086"],
    title: "block public ACLs",
    type: "aws_s3_bucket",
    check: blockSetting("block_public_acls"),
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV_AWS_54", "AVD-AWS-0087"],
    title: "block public policy",
    type: "aws_s3_bucket",
    check: blockSetting("block_public_policy"),
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV_AWS_55", "AVD-AWS-0091"],
    title: "ignore public ACLs",
    type: "aws_s3_bucket",
    check: blockSetting("ignore_public_acls"),
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV_AWS_56", "AVD-AWS-0093"],
    title: "restrict public buckets",
    type: "aws_s3_bucket",
    check: blockSetting("restrict_public_buckets"),
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV_AWS_19", "AVD-AWS-0088"],
    title: "bucket encrypted at rest",
    type: "aws_s3_bucket",
    check: (r, s) =>
      companion(s, r, "aws_s3_bucket_server_side_encryption_configuration") ? undefined : "no default encryption",
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV_AWS_145", "AVD-AWS-0132"],
    title: "bucket encrypted with a customer-managed KMS key",
    type: "aws_s3_bucket",
    only: ["kms"],
    check: (r, s) => {
      const rule = companion(s, r, "aws_s3_bucket_server_side_encryption_configuration")?.config.rule?.[0];
      return rule?.apply_server_side_encryption_by_default?.sse_algorithm === "aws:kms" &&
        rule.apply_server_side_encryption_by_default.kms_master_key_id
        ? undefined
        : "not SSE-KMS with a key";
    },
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV_AWS_21", "AVD-AWS-0090"],
    title: "bucket versioning enabled",
    type: "aws_s3_bucket",
    check: (r, s) =>
      companion(s, r, "aws_s3_bucket_versioning")?.config.versioning_configuration?.status === "Enabled"
        ? undefined
        : "versioning off",
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV2_AWS_61"],
    title: "bucket has a lifecycle configuration",
    type: "aws_s3_bucket",
    check: (r, s) => (companion(s, r, "aws_s3_bucket_lifecycle_configuration") ? undefined : "no lifecycle"),
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV_AWS_300"],
    title: "lifecycle aborts failed multipart uploads",
    type: "aws_s3_bucket_lifecycle_configuration",
    check: (r) =>
      r.config.rule?.every((rule: Json) => rule.abort_incomplete_multipart_upload?.[0]?.days_after_initiation > 0)
        ? undefined
        : "no abort period",
    bad: { rule: [{ id: "x", status: "Enabled", expiration: [{ days: 1 }] }] },
  },
  {
    ids: ["CKV2_AWS_62"],
    title: "bucket has event notifications",
    type: "aws_s3_bucket",
    check: (r, s) =>
      s.ofType("aws_s3_bucket_notification").some((n) => n.config.bucket === r.config.bucket)
        ? undefined
        : "no notification",
    bad: { bucket: "x" },
  },
  {
    ids: ["CKV2_AWS_65", "AVD-AWS-0092", "CKV_AWS_20", "CKV_AWS_57"],
    title: "ACLs disabled (BucketOwnerEnforced), no public ACL",
    type: "aws_s3_bucket",
    check: (r, s) =>
      r.config.acl !== undefined || s.ofType("aws_s3_bucket_acl").length > 0
        ? "an ACL is set"
        : companion(s, r, "aws_s3_bucket_ownership_controls")?.config.rule?.object_ownership === "BucketOwnerEnforced"
          ? undefined
          : "ACLs enabled",
    bad: { bucket: "x", acl: "public-read" },
  },
  {
    ids: ["CKV_AWS_70", "AVD-AWS-0161"],
    title: "bucket policy allows no action to every principal",
    type: "aws_s3_bucket_policy",
    check: (r, s) => publicAllow(s, r),
    bad: { policy: policyDoc({ ...allowAll, Action: "s3:GetObject" }) },
  },
  {
    ids: ["CKV_AWS_93"],
    title: "bucket policy does not lock everyone out",
    type: "aws_s3_bucket_policy",
    check: (r, s) =>
      statements(s, r).some((st) => st.Effect === "Deny" && principals(st).includes("*") && st.Condition === undefined)
        ? "unconditional deny for everyone"
        : undefined,
    bad: { policy: policyDoc({ Sid: "D", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }) },
  },
  {
    ids: ["CKV_AWS_27", "AVD-AWS-0096"],
    title: "queue encrypted at rest",
    type: "aws_sqs_queue",
    check: (r) => (r.config.sqs_managed_sse_enabled === true || r.config.kms_master_key_id ? undefined : "unencrypted"),
    bad: { name: "q" },
  },
  {
    ids: ["CKV2_AWS_73", "AVD-AWS-0135"],
    title: "queue encrypted with a customer-managed key",
    type: "aws_sqs_queue",
    only: ["kms", "givenKey"],
    check: (r) =>
      r.config.kms_master_key_id && r.config.kms_master_key_id !== "alias/aws/sqs"
        ? undefined
        : "not a customer-managed key",
    bad: { name: "q", kms_master_key_id: "alias/aws/sqs" },
  },
  {
    ids: ["CKV_AWS_72", "AVD-AWS-0097"],
    title: "queue policy allows no wildcard action",
    type: "aws_sqs_queue_policy",
    check: (r, s) => wildcardAllow(s, r),
    bad: { policy: policyDoc({ ...allowAll, Principal: { Service: "s3.amazonaws.com" } }) },
  },
  {
    ids: ["CKV_AWS_168", "CKV_AWS_387"],
    title: "queue policy is not public",
    type: "aws_sqs_queue_policy",
    check: (r, s) => publicAllow(s, r),
    bad: { policy: policyDoc({ ...allowAll, Action: "sqs:SendMessage" }) },
  },
  {
    ids: ["CKV_AWS_26", "AVD-AWS-0095", "AVD-AWS-0136"],
    title: "topic encrypted with a customer-managed key",
    type: "aws_sns_topic",
    only: ["givenKey"],
    check: (r) =>
      r.config.kms_master_key_id && r.config.kms_master_key_id !== "alias/aws/sns"
        ? undefined
        : "unencrypted or AWS-managed key",
    bad: { name: "t", kms_master_key_id: "alias/aws/sns" },
  },
  {
    ids: ["CKV_AWS_169"],
    title: "topic policy is not public",
    type: "aws_sns_topic_policy",
    check: (r, s) => publicAllow(s, r),
    bad: { policy: policyDoc({ ...allowAll, Action: "sns:Publish" }) },
  },
  {
    ids: ["CKV_AWS_7", "AVD-AWS-0065"],
    title: "key rotation enabled",
    type: "aws_kms_key",
    check: (r) => (r.config.enable_key_rotation === true ? undefined : "no rotation"),
    bad: { description: "k" },
  },
  {
    ids: ["CKV_AWS_227"],
    title: "key enabled",
    type: "aws_kms_key",
    check: (r) => (r.config.is_enabled === false ? "disabled" : undefined),
    bad: { is_enabled: false },
  },
  {
    ids: ["CKV2_AWS_64", "CKV_AWS_33"],
    title: "key has an explicit policy without a wildcard principal",
    type: "aws_kms_key",
    check: (r, s) => (r.config.policy === undefined ? "no key policy" : publicAllow(s, r)),
    bad: { enable_key_rotation: true },
  },
  {
    ids: ["CKV_AWS_60", "CKV_AWS_61"],
    title: "role trusts specific principals only",
    type: "aws_iam_role",
    check: (r, s) =>
      statements(s, r, "assume_role_policy").some((st) =>
        principals(st).some((p) => p === "*" || p.endsWith(":root") || p.includes("*")),
      )
        ? "trusts a wildcard or a whole account"
        : undefined,
    bad: {
      assume_role_policy: policyDoc({ Sid: "T", Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }),
    },
  },
  {
    ids: ["CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_1", "CKV_AWS_49"],
    title: "identity policy allows no wildcard action",
    type: "aws_iam_policy",
    check: (r, s) => wildcardAllow(s, r),
    bad: { policy: policyDoc({ Sid: "A", Effect: "Allow", Action: "*", Resource: "*" }) },
  },
  {
    ids: ["CKV_AWS_355", "AVD-AWS-0057"],
    title: "identity policy names its resources (no '*' resource)",
    type: "aws_iam_policy",
    check: (r, s) =>
      statements(s, r).some((st) => resources(st).includes("*")) ? "a statement applies to '*'" : undefined,
    bad: { policy: policyDoc({ Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }) },
  },
  {
    ids: ["CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_290", "CKV2_AWS_40"],
    title: "identity policy: no privilege escalation, credentials, permissions management or unconstrained write",
    type: "aws_iam_policy",
    check: (r, s) => {
      const allowed = new Set([
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "s3:GetObject",
        "kms:Decrypt",
      ]);
      const extra = statements(s, r)
        .flatMap(actions)
        .filter((a) => !allowed.has(a));
      return extra.length === 0 ? undefined : `grants ${extra.join(", ")}`;
    },
    bad: {
      policy: policyDoc({
        Sid: "A",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: "arn:aws:iam::111122223333:role/x",
      }),
    },
  },
  {
    ids: ["CKV_AWS_274", "CKV_AWS_275"],
    title: "AdministratorAccess is never attached",
    type: "aws_iam_role_policy_attachment",
    check: (r) =>
      String(r.config.policy_arn).endsWith("/AdministratorAccess") ? "AdministratorAccess attached" : undefined,
    bad: { role: "r", policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" },
  },
  {
    ids: ["CKV_AWS_67", "AVD-AWS-0014"],
    title: "trail covers all Regions",
    type: "aws_cloudtrail",
    check: (r) => (r.config.is_multi_region_trail === true ? undefined : "single Region"),
    bad: { name: "t" },
  },
  {
    ids: ["CKV_AWS_36", "AVD-AWS-0016"],
    title: "trail validates log files",
    type: "aws_cloudtrail",
    check: (r) => (r.config.enable_log_file_validation === true ? undefined : "no validation"),
    bad: { name: "t" },
  },
  {
    ids: ["CKV_AWS_251"],
    title: "trail is logging",
    type: "aws_cloudtrail",
    check: (r) => (r.config.enable_logging === false ? "logging off" : undefined),
    bad: { name: "t", enable_logging: false },
  },
  {
    ids: ["CKV_AWS_35", "AVD-AWS-0015"],
    title: "trail encrypted with a customer-managed key",
    type: "aws_cloudtrail",
    only: ["kms"],
    check: (r) => (r.config.kms_key_id ? undefined : "no KMS key"),
    bad: { name: "t" },
  },
];

describe("checkov / trivy rules as tests", () => {
  it("covers no resource type twice by accident: every rule id appears once", () => {
    const ids = RULES.flatMap((r) => r.ids);
    assert.equal(new Set(ids).size, ids.length);
  });

  for (const rule of RULES) {
    it(`${rule.ids.join(" / ")}: ${rule.title}`, () => {
      const badSynth = new Synth({ resource: { [rule.type]: { bad: rule.bad } } }, "111122223333", "eu-west-1");
      assert.ok(rule.check(badSynth.one(rule.type), badSynth), "the check refuses its known-bad example");
      let checked = 0;
      for (const [name, synth] of Object.entries(synths)) {
        if (rule.only !== undefined && !rule.only.includes(name as keyof typeof scenarios)) continue;
        for (const resource of synth.ofType(rule.type)) {
          const failure = rule.check(resource, synth);
          assert.equal(failure, undefined, `${name}: ${resource.address}: ${failure}`);
          checked++;
        }
      }
      assert.ok(checked > 0, "the rule checked at least one synthesized resource");
    });
  }
});
