import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { AwsCredentialIdentityProvider } from "@smithy/types";

/** What every AWS client of one input shares. */
export interface AwsClientSettings {
  region: string;
  /** One endpoint for every client: emulators, VPC endpoints, S3-compatible stores. */
  endpointUrl?: string;
  /** Path-style S3 URLs (`endpoint/bucket/key`), needed by most emulators and S3-compatible stores. */
  s3ForcePathStyle?: boolean;
  /** Undefined means the SDK's default chain (environment, SSO, ECS task role, EC2 instance profile). */
  credentials?: AwsCredentialIdentityProvider;
}

/**
 * The SDK's own retries, for every AWS client of the worker: throttling and transient network errors with capped
 * exponential backoff and jitter ("standard" mode); our loops add their own backoff on top for errors that
 * survive these attempts.
 */
export const SDK_RETRY = { maxAttempts: 5, retryMode: "standard" } as const;

export function createSqsClient(settings: AwsClientSettings): SQSClient {
  return new SQSClient({
    region: settings.region,
    endpoint: settings.endpointUrl,
    credentials: settings.credentials,
    ...SDK_RETRY,
  });
}

export function createS3Client(settings: AwsClientSettings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpointUrl,
    forcePathStyle: settings.s3ForcePathStyle ?? false,
    credentials: settings.credentials,
    ...SDK_RETRY,
  });
}
