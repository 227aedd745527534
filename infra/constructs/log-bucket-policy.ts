import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy/index.js";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { PolicyDocument } from "../../policies/policy-document.ts";
import { terraformJson } from "../terraform-json.ts";

export interface LogBucketPolicyProps {
  bucketName: string;
  /** Built by `buildLogBucketPolicy`; it replaces whatever policy the bucket had. */
  document: PolicyDocument;
  /** Resources that must exist first (the public access block, so S3 never sees the two change at once). */
  dependsOn?: ITerraformDependable[];
}

/** The bucket's one resource policy. Separate from {@link LogBucket} so an existing bucket can get it too. */
export class LogBucketPolicy extends Construct {
  readonly resource: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: LogBucketPolicyProps) {
    super(scope, id);
    this.resource = new S3BucketPolicy(this, "policy", {
      bucket: props.bucketName,
      policy: terraformJson(props.document),
      dependsOn: props.dependsOn,
    });
  }
}
