import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket/index.js";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning/index.js";
import { Construct } from "constructs";
import type { PolicyDocument } from "../../policies/policy-document.ts";
import { LogBucketPolicy } from "./log-bucket-policy.ts";

export type BucketEncryption = { kind: "sse-s3" } | { kind: "kms"; keyArn: string };

export interface LogBucketProps {
  name: string;
  encryption: BucketEncryption;
  lifecycle: { expireDays: number; noncurrentExpireDays: number; abortIncompleteMultipartDays: number };
  /** The bucket's policy (from `buildLogBucketPolicy`); it always denies requests without TLS. */
  policy: PolicyDocument;
  forceDestroy?: boolean;
}

/**
 * A private, versioned, encrypted log bucket: all four public-access blocks, ACLs disabled (BucketOwnerEnforced),
 * default encryption (SSE-S3, or SSE-KMS with an S3 Bucket Key to keep KMS requests down), versioning, and a
 * lifecycle that expires current and noncurrent versions and aborts stale multipart uploads.
 */
export class LogBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly policy: LogBucketPolicy;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.name, forceDestroy: props.forceDestroy ?? false });
    this.bucketName = this.bucket.bucket;
    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        props.encryption.kind === "kms"
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.encryption.keyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-collected-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.lifecycle.expireDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.lifecycle.noncurrentExpireDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.lifecycle.abortIncompleteMultipartDays }],
        },
      ],
    });
    this.policy = new LogBucketPolicy(this, "policy", {
      bucketName: this.bucket.id,
      document: props.policy,
      dependsOn: [this.publicAccessBlock],
    });
  }
}
