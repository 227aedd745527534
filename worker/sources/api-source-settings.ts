import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { Logger } from "pino";
import { SDK_RETRY, SDK_TIMEOUTS, sdkRequestHandler } from "../aws/clients.ts";
import type { StateStore } from "../state/state-store.ts";
import type { Clock } from "./api-clock.ts";

/** What one API source (one service of one input in one region) is configured with. */
export interface ApiSourceSettings<Options> {
  /** The input's key in `inputs` (`aws`): first part of the source id and of the state key. */
  inputId: string;
  /** Devo's service name (`audit-events-all`, `metrics-all`, `custom_service`). */
  serviceName: string;
  region: string;
  /** The service's options as validated by its schema in worker/services/api-service-options.ts. */
  options: Options;
  /** From worker/aws/credentials.ts; undefined means the SDK's default chain. */
  credentials?: AwsCredentialIdentityProvider;
  /** The input's `endpoint_url` (emulators, VPC endpoints). */
  endpointUrl?: string;
  /** The account the data is pulled from, when the configuration tells it (the assumed role's account). */
  account?: string;
}

export interface ApiSourceDeps {
  state: StateStore;
  logger: Logger;
  /** Defaults to the system clock. */
  clock?: Clock;
}

/** The API sources' request timeouts (see SDK_TIMEOUTS). */
export const API_TIMEOUTS = SDK_TIMEOUTS;

/**
 * An API source's SDK client configuration: its region, endpoint and credentials, with the SDK's own retries and
 * request timeouts (`timeouts` overrides them, for tests).
 */
export function sdkClientConfig(
  settings: ApiSourceSettings<unknown>,
  timeouts: { connectionTimeout: number; requestTimeout: number } = API_TIMEOUTS,
) {
  return {
    region: settings.region,
    endpoint: settings.endpointUrl,
    credentials: settings.credentials,
    requestHandler: sdkRequestHandler(timeouts),
    ...SDK_RETRY,
  };
}

/** With `untilIdle`, an API failure that survives this many attempts ends the run instead of waiting forever. */
export const UNTIL_IDLE_MAX_ATTEMPTS = 6;

export async function* oneBatch<T>(items: readonly T[], size = 500): AsyncGenerator<readonly T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
