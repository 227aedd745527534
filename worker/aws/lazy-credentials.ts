import type { AwsCredentialIdentityProvider } from "@smithy/types";

/**
 * A credential provider made by `load` when first asked for credentials, so that the AWS SDK's credential code is
 * imported then: a worker whose inputs carry static keys never loads it. The SDK's providers and clients are about
 * 8 MB of heap (measured after importing them), which a worker reading queues only would carry for nothing, and
 * which brought its first major GC early.
 */
export function lazyCredentials(load: () => Promise<AwsCredentialIdentityProvider>): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (properties) => {
    provider ??= load();
    return (await provider)(properties);
  };
}

/** The SDK's default chain (environment, SSO / shared config, ECS task role, EC2 instance profile), loaded on use. */
export function defaultCredentialChain(): AwsCredentialIdentityProvider {
  return lazyCredentials(async () => (await import("@aws-sdk/credential-providers")).fromNodeProviderChain());
}

/** A profile of the shared config and credentials files, loaded on use. */
export function profileCredentials(profile: string): AwsCredentialIdentityProvider {
  return lazyCredentials(async () => (await import("@aws-sdk/credential-providers")).fromIni({ profile }));
}
