import { readFileSync } from "node:fs";
import process from "node:process";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import packageJson from "../../package.json" with { type: "json" };
import { chooseEndpoints, type EndpointChoice, type EndpointConfig } from "./endpoints.ts";
import { defaultCredentialChain } from "./lazy-credentials.ts";
import { memoizeCredentials } from "./memoize-credentials.ts";
import { proxyRoutesFromEnv } from "./wire/proxy.ts";
import { type ObjectStore, S3WireClient } from "./wire/s3-wire-client.ts";
import { type SqsApi, SqsWireClient } from "./wire/sqs-wire-client.ts";

/** What the SQS and S3 clients of one input in one region are built from. */
export interface AwsClientSettings {
  /** The input's name, for errors that name its keys. */
  inputName: string;
  region: string;
  /** The input's endpoint keys: `endpoint_url`, `s3_endpoint_url`, `use_fips_endpoint`, `use_dualstack_endpoint`. */
  endpoints?: EndpointConfig;
  /** Path-style S3 URLs (`endpoint/bucket/key`), needed by most emulators and S3-compatible stores. */
  s3ForcePathStyle?: boolean;
  /** Undefined means the SDK's default chain (environment, SSO, ECS task role, EC2 instance profile). */
  credentials?: AwsCredentialIdentityProvider;
  /** Where proxies and endpoint overrides are read from; `process.env` by default. */
  env?: Record<string, string | undefined>;
}

/**
 * The retries of every AWS client of the worker: throttling and transient network errors with capped exponential
 * backoff and jitter ("standard" mode); our loops add their own backoff on top for errors that survive these
 * attempts.
 */
export const SDK_RETRY = { maxAttempts: 5, retryMode: "standard" } as const;

/**
 * How long an SDK request may take: to connect, and to answer once sent. The SDK sets no limit by default, so an
 * endpoint that accepts the connection and never answers held a caller (and the worker's stop) forever.
 */
export const SDK_TIMEOUTS = { connectionTimeout: 10_000, requestTimeout: 60_000 } as const;

/** The SDK clients' `requestHandler`: the timeouts, which throw (by default the SDK only warns and goes on waiting). */
export function sdkRequestHandler(timeouts: { connectionTimeout: number; requestTimeout: number } = SDK_TIMEOUTS) {
  return { ...timeouts, throwOnRequestTimeout: true };
}

/**
 * `aws-devo-collector/0.1.0 lang/js md/nodejs#24.21.0`: the product and its version, which customers see in the
 * user agent of CloudTrail data events and S3 server access logs, in the SDK's `name/version` form.
 */
export const USER_AGENT = (() => {
  const deno = (process.versions as Record<string, string | undefined>).deno;
  const runtime = deno !== undefined ? `md/deno#${deno}` : `md/nodejs#${process.versions.node}`;
  return `${packageJson.name}/${packageJson.version} lang/js ${runtime}`;
})();

/**
 * The queue and object clients of one input in one region. They are our own signed HTTP (`wire/`), not the AWS
 * SDK's: they carry every message and object, and the SDK's per-call cost (about 1 ms of CPU) was a seventh of a
 * worker's time on 1.5 MB objects. The API sources, a few calls a minute, keep the SDK.
 *
 * Both share one credential provider (one default chain, not one per client: one IMDS or ECS fetch per refresh),
 * the environment's proxies and `AWS_CA_BUNDLE`, and the endpoints of {@link chooseEndpoints}; an impossible endpoint choice, a proxy
 * URL that cannot be used or an invalid variable throws here, at start-up. Each keeps its own retry quota.
 */
export function createInputClients(settings: AwsClientSettings): {
  sqs: SqsApi;
  s3: ObjectStore;
  endpoints: EndpointChoice;
} {
  const env = settings.env ?? process.env;
  const endpoints = chooseEndpoints(settings.inputName, settings.region, settings.endpoints ?? {}, env);
  const proxy = proxyRoutesFromEnv(env);
  const ca = caBundle(env);
  const credentials = memoizeCredentials(settings.credentials ?? defaultCredentialChain());
  const common = {
    region: settings.region,
    variant: endpoints.variant,
    credentials,
    maxAttempts: SDK_RETRY.maxAttempts,
    proxy,
    userAgent: USER_AGENT,
    ...(ca === undefined ? {} : { ca }),
  };
  return {
    sqs: new SqsWireClient({ ...common, endpointUrl: endpoints.sqsEndpointUrl }),
    s3: new S3WireClient({
      ...common,
      endpointUrl: endpoints.s3EndpointUrl,
      forcePathStyle: settings.s3ForcePathStyle ?? false,
    }),
    endpoints,
  };
}

/**
 * Bundles read so far, by path: every input's clients share one copy (a distribution's bundle is about 200 KB of
 * text, read once per input before).
 */
const caBundles = new Map<string, string>();

/** `AWS_CA_BUNDLE`, as the SDKs read it: a PEM file of certificates trusted instead of the default roots. */
function caBundle(env: Record<string, string | undefined>): string | undefined {
  const path = env.AWS_CA_BUNDLE?.trim();
  if (path === undefined || path === "") return undefined;
  const known = caBundles.get(path);
  if (known !== undefined) return known;
  try {
    const text = readFileSync(path, "utf8");
    caBundles.set(path, text);
    return text;
  } catch (error) {
    throw new Error(`AWS_CA_BUNDLE=${path}: cannot read it (${(error as Error).message})`);
  }
}
