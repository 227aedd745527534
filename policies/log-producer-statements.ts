import { type AccountRegion, accountRootArn, bucketArn, objectsArn } from "./arns.ts";
import { elbLogDeliveryAccount } from "./elb-log-delivery-accounts.ts";
import { oneOrMany, type PolicyStatement } from "./policy-document.ts";

/**
 * AWS services that write log files into a bucket, each admitted by the principal and conditions its user guide
 * prescribes, and only under the key prefixes the pipeline routes for it.
 *
 * - `vended-logs`: `delivery.logs.amazonaws.com` — VPC Flow Logs, Route 53 Resolver query logs, WAF, CloudFront
 *   standard logging (v2)
 * - `elb`: Classic and Application Load Balancers
 * - `config`: AWS Config delivery channel
 * - `guardduty`: GuardDuty findings export
 * - `s3-server-access`: S3 server access logging of other buckets
 *
 * CloudTrail is not in this list: its statements name one trail (see {@link cloudTrailStatements}).
 */
export type LogProducer = "vended-logs" | "elb" | "config" | "guardduty" | "s3-server-access";

export interface ProducerGrant {
  producer: LogProducer;
  /** Key prefixes the producer writes under, e.g. `AWSLogs/123456789012/vpcflowlogs/`. */
  keyPrefixes: readonly string[];
}

/** S3 asks log writers to hand the object to the bucket owner; AWS's log services all send this ACL. */
const OWNER_FULL_CONTROL = { "s3:x-amz-acl": "bucket-owner-full-control" };

function sameAccount(where: AccountRegion) {
  return { "aws:SourceAccount": where.account };
}

/**
 * CloudTrail's statements (AWS CloudTrail guide), pinned to our trail by `aws:SourceArn`: the ACL check and the
 * write under `AWSLogs/<account>/`, and for an organization trail the write under `AWSLogs/<org id>/` too, where it
 * puts member accounts' files.
 */
export function cloudTrailStatements(
  where: AccountRegion,
  bucket: string,
  trail: { trailArn: string; keyPrefix: string; organizationId?: string },
): PolicyStatement[] {
  const prefix = trail.keyPrefix === "" ? "" : `${trail.keyPrefix.replace(/\/+$/, "")}/`;
  const write = (sid: string, folder: string): PolicyStatement => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: "cloudtrail.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: objectsArn(where.partition, bucket, `${prefix}AWSLogs/${folder}/`),
    Condition: { StringEquals: { "aws:SourceArn": trail.trailArn, ...OWNER_FULL_CONTROL } },
  });
  return [
    {
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: bucketArn(where.partition, bucket),
      Condition: { StringEquals: { "aws:SourceArn": trail.trailArn } },
    },
    write("CloudTrailWrite", where.account),
    ...(trail.organizationId === undefined ? [] : [write("CloudTrailOrganizationWrite", trail.organizationId)]),
  ];
}

export function producerStatements(where: AccountRegion, bucket: string, grant: ProducerGrant): PolicyStatement[] {
  const bucketResource = bucketArn(where.partition, bucket);
  const objects = oneOrMany(grant.keyPrefixes.map((prefix) => objectsArn(where.partition, bucket, prefix)));
  switch (grant.producer) {
    case "vended-logs": {
      // Delivery sources live in the account, in any Region (CloudFront's are in us-east-1).
      const source = { ArnLike: { "aws:SourceArn": `arn:${where.partition}:logs:*:${where.account}:*` } };
      return [
        {
          Sid: "VendedLogsAclCheck",
          Effect: "Allow",
          Principal: { Service: "delivery.logs.amazonaws.com" },
          Action: "s3:GetBucketAcl",
          Resource: bucketResource,
          Condition: { StringEquals: sameAccount(where), ...source },
        },
        {
          Sid: "VendedLogsWrite",
          Effect: "Allow",
          Principal: { Service: "delivery.logs.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: objects,
          Condition: { StringEquals: { ...sameAccount(where), ...OWNER_FULL_CONTROL }, ...source },
        },
      ];
    }
    case "elb": {
      // No source conditions are documented for ELB; the account id inside the granted prefix
      // (`…/AWSLogs/<account>/…`) is what keeps other accounts' load balancers out.
      const statements: PolicyStatement[] = [
        {
          Sid: "ElbLogDeliveryWrite",
          Effect: "Allow",
          Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: objects,
        },
      ];
      const regionalAccount = elbLogDeliveryAccount(where.region);
      if (regionalAccount !== undefined) {
        statements.push({
          Sid: "ElbRegionalAccountWrite",
          Effect: "Allow",
          Principal: { AWS: accountRootArn(where.partition, regionalAccount) },
          Action: "s3:PutObject",
          Resource: objects,
        });
      }
      return statements;
    }
    case "config":
      return [
        {
          Sid: "ConfigBucketCheck",
          Effect: "Allow",
          Principal: { Service: "config.amazonaws.com" },
          Action: ["s3:GetBucketAcl", "s3:ListBucket"],
          Resource: bucketResource,
          Condition: { StringEquals: sameAccount(where) },
        },
        {
          Sid: "ConfigWrite",
          Effect: "Allow",
          Principal: { Service: "config.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: objects,
          Condition: { StringEquals: { ...sameAccount(where), ...OWNER_FULL_CONTROL } },
        },
      ];
    case "guardduty": {
      const detectors = {
        // Detectors are per Region and each exports into this bucket: any Region of the account.
        ArnLike: { "aws:SourceArn": `arn:${where.partition}:guardduty:*:${where.account}:detector/*` },
      };
      return [
        {
          Sid: "GuardDutyBucketLocation",
          Effect: "Allow",
          Principal: { Service: "guardduty.amazonaws.com" },
          Action: "s3:GetBucketLocation",
          Resource: bucketResource,
          Condition: { StringEquals: sameAccount(where), ...detectors },
        },
        {
          Sid: "GuardDutyWrite",
          Effect: "Allow",
          Principal: { Service: "guardduty.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: objects,
          Condition: { StringEquals: sameAccount(where), ...detectors },
        },
      ];
    }
    case "s3-server-access":
      return [
        {
          Sid: "S3ServerAccessLogsWrite",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: objects,
          Condition: { StringEquals: sameAccount(where) },
        },
      ];
  }
}
