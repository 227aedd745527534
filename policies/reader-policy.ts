import { PolicyBuildError, type PolicyDocument, type PolicyStatement, policyDocument } from "./policy-document.ts";

/**
 * The queue actions a collector needs: receive, delete after delivery, extend visibility while an object is in
 * flight, read attributes (queue depth, redrive settings), and find the queue's URL from its name (Devo's AWS
 * collector takes queue names, resolved with GetQueueUrl). Sending and purging are deliberately absent.
 */
export const READER_QUEUE_ACTIONS = [
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ReceiveMessage",
] as const;

export interface ReaderGrant {
  /** The collector queues (never their dead-letter queues: the reader must not drain them). */
  queueArns: readonly string[];
  /** Object ARNs with their prefix, e.g. `arn:aws:s3:::bucket/AWSLogs/123456789012/CloudTrail/*`. */
  objectArns: readonly string[];
  /** KMS keys protecting the queues or the objects; empty when SSE-S3 / SSE-SQS is used. */
  kmsKeyArns: readonly string[];
  /**
   * Region of the queues and the bucket: decryption is allowed only through SQS and S3 there (`kms:ViaService`),
   * never as a direct KMS call.
   */
  region: string;
}

/** The endpoints through which the reader decrypts: SQS (messages) and S3 (objects) of the pipeline's Region. */
export function readerViaServices(region: string): string[] {
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return [`s3.${region}.${domain}`, `sqs.${region}.${domain}`];
}

const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const OBJECTS_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}\/[^*]*\*$/;

/**
 * Least-privilege identity policy of whatever reads the queues: the Devo cross-account role, our worker's ECS
 * task role or an instance role. It is a plain document so it can be attached to any role.
 *
 * Queue and object ARNs are checked to be concrete (no `*` other than the one ending an object prefix); KMS key
 * ARNs may be values that exist only at deploy time (a key created in the same stack).
 */
export function buildReaderPolicy(grant: ReaderGrant): PolicyDocument {
  const name = "reader policy";
  if (grant.queueArns.length === 0) throw new PolicyBuildError(name, "no queue to read");
  for (const arn of grant.queueArns) {
    if (!QUEUE_ARN.test(arn)) throw new PolicyBuildError(name, `not a single queue ARN: ${JSON.stringify(arn)}`);
  }
  for (const arn of grant.kmsKeyArns) {
    // A key created in the same stack is only known at deploy time; a literal must be one key, not a pattern.
    if (arn.includes("*") || (arn.startsWith("arn:") && !KMS_KEY_ARN.test(arn))) {
      throw new PolicyBuildError(name, `not a single KMS key ARN: ${JSON.stringify(arn)}`);
    }
  }
  for (const arn of grant.objectArns) {
    if (!OBJECTS_ARN.test(arn)) {
      throw new PolicyBuildError(name, `not an object ARN ending in "prefix*": ${JSON.stringify(arn)}`);
    }
  }
  const statements: PolicyStatement[] = [
    {
      Sid: "ConsumeCollectorQueues",
      Effect: "Allow",
      Action: [...READER_QUEUE_ACTIONS],
      Resource: [...new Set(grant.queueArns)].sort(),
    },
  ];
  if (grant.objectArns.length > 0) {
    statements.push({
      Sid: "ReadLogObjects",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: [...new Set(grant.objectArns)].sort(),
    });
  }
  if (grant.kmsKeyArns.length > 0) {
    statements.push({
      Sid: "DecryptQueuesAndObjects",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: [...new Set(grant.kmsKeyArns)],
      Condition: { StringEquals: { "kms:ViaService": readerViaServices(grant.region) } },
    });
  }
  return policyDocument(name, "identity", statements);
}
