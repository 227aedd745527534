import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { type ObjectStore, S3WireClient } from "./wire/s3-wire-client.ts";
import { type SqsApi, SqsWireClient } from "./wire/sqs-wire-client.ts";

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
 * The retries of every AWS client of the worker: throttling and transient network errors with capped exponential
 * backoff and jitter ("standard" mode); our loops add their own backoff on top for errors that survive these
 * attempts.
 */
export const SDK_RETRY = { maxAttempts: 5, retryMode: "standard" } as const;

/**
 * The queue and object clients are our own signed HTTP (`wire/`), not the AWS SDK's: they carry every message and
 * object, and the SDK's per-call cost (about 1 ms of CPU) was a seventh of a worker's time on 1.5 MB objects.
 * The API sources, a few calls a minute, keep the SDK.
 */
export function createSqsClient(settings: AwsClientSettings): SqsApi {
  return new SqsWireClient({
    region: settings.region,
    endpointUrl: settings.endpointUrl,
    credentials: settings.credentials ?? fromNodeProviderChain(),
    maxAttempts: SDK_RETRY.maxAttempts,
  });
}

export function createS3Client(settings: AwsClientSettings): ObjectStore {
  return new S3WireClient({
    region: settings.region,
    endpointUrl: settings.endpointUrl,
    forcePathStyle: settings.s3ForcePathStyle ?? false,
    credentials: settings.credentials ?? fromNodeProviderChain(),
    maxAttempts: SDK_RETRY.maxAttempts,
  });
}
