import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { Logger } from "pino";
import type { AwsCredentialsConfig } from "../config/credentials-schema.ts";
import { createCredentialProvider } from "./credentials.ts";

/**
 * One credential provider per (input, region), shared by every client built for that input there: the SQS and
 * S3 clients of its queues and its API sources. Each provider holds its own assumed-role sessions, so one per
 * service would assume the same roles once per service and refresh them separately.
 */
export class CredentialCache {
  readonly #providers = new Map<string, AwsCredentialIdentityProvider | undefined>();
  readonly #logger: Logger | undefined;

  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  get(
    input: {
      name: string;
      credentials?: AwsCredentialsConfig;
      endpoint_url?: string;
      use_fips_endpoint?: boolean;
      use_dualstack_endpoint?: boolean;
    },
    region: string,
  ): AwsCredentialIdentityProvider | undefined {
    const key = `${input.name}\u0000${region}`;
    if (!this.#providers.has(key)) {
      this.#providers.set(
        key,
        createCredentialProvider(input.credentials, {
          region,
          endpointUrl: input.endpoint_url,
          useFipsEndpoint: input.use_fips_endpoint,
          useDualstackEndpoint: input.use_dualstack_endpoint,
          logger: this.#logger,
        }),
      );
    }
    return this.#providers.get(key);
  }
}
