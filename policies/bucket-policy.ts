import { type AccountRegion, bucketArn } from "./arns.ts";
import {
  cloudTrailStatements,
  type LogProducer,
  type ProducerGrant,
  producerStatements,
} from "./log-producer-statements.ts";
import { type PolicyDocument, type PolicyStatement, policyDocument } from "./policy-document.ts";

export interface LogBucketPolicyInput {
  where: AccountRegion;
  bucket: string;
  /** The trail that writes here, if any; it is named in `aws:SourceArn` of both CloudTrail statements. */
  cloudTrail?: { trailArn: string; keyPrefix: string; organizationId?: string };
  /** Log services writing here; grants for the same producer are merged into one set of statements. */
  producers: readonly ProducerGrant[];
}

/**
 * Resource policy of the log bucket. Besides admitting the log producers, it refuses every request made without
 * TLS (`aws:SecureTransport` false), whoever makes it. Readers are not named here: they get access through their
 * own identity policy ({@link buildReaderPolicy}), which keeps this document stable when readers change.
 */
export function buildLogBucketPolicy(input: LogBucketPolicyInput): PolicyDocument {
  const arn = bucketArn(input.where.partition, input.bucket);
  const statements: PolicyStatement[] = [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ];
  if (input.cloudTrail !== undefined) {
    statements.push(...cloudTrailStatements(input.where, input.bucket, input.cloudTrail));
  }
  const prefixesByProducer = new Map<LogProducer, string[]>();
  for (const grant of input.producers) {
    prefixesByProducer.set(grant.producer, [...(prefixesByProducer.get(grant.producer) ?? []), ...grant.keyPrefixes]);
  }
  for (const [producer, keyPrefixes] of [...prefixesByProducer].sort(([a], [b]) => a.localeCompare(b))) {
    statements.push(...producerStatements(input.where, input.bucket, { producer, keyPrefixes }));
  }
  return policyDocument(`bucket policy of ${input.bucket}`, "resource", statements);
}
