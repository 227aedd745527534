/**
 * Where the SQS and S3 requests of an input go: the AWS SDK's endpoint rules for the two services (partition DNS
 * suffixes, FIPS and dual-stack host names), and the endpoint overrides of the configuration and environment.
 * A combination the SDK refuses is refused here too, at start-up, with the reason.
 */

/** A partition's DNS suffixes, as the SDK's partitions table gives them. */
interface Partition {
  name: string;
  dnsSuffix: string;
  dualStackDnsSuffix: string;
  /** S3 has no FIPS endpoints in China (the SDK: "Partition does not support FIPS"). */
  s3Fips: boolean;
}

const PARTITIONS: readonly (Partition & { regions: RegExp })[] = [
  {
    name: "aws-cn",
    regions: /^cn-\w+-\d+$/,
    dnsSuffix: "amazonaws.com.cn",
    dualStackDnsSuffix: "api.amazonwebservices.com.cn",
    s3Fips: false,
  },
  {
    name: "aws-us-gov",
    regions: /^us-gov-\w+-\d+$/,
    dnsSuffix: "amazonaws.com",
    dualStackDnsSuffix: "api.aws",
    s3Fips: true,
  },
  {
    name: "aws-iso",
    regions: /^us-iso-\w+-\d+$/,
    dnsSuffix: "c2s.ic.gov",
    dualStackDnsSuffix: "api.aws.ic.gov",
    s3Fips: true,
  },
  {
    name: "aws-iso-b",
    regions: /^us-isob-\w+-\d+$/,
    dnsSuffix: "sc2s.sgov.gov",
    dualStackDnsSuffix: "api.aws.scloud",
    s3Fips: true,
  },
  {
    name: "aws-iso-e",
    regions: /^eu-isoe-\w+-\d+$/,
    dnsSuffix: "cloud.adc-e.uk",
    dualStackDnsSuffix: "api.cloud-aws.adc-e.uk",
    s3Fips: true,
  },
  {
    name: "aws-iso-f",
    regions: /^us-isof-\w+-\d+$/,
    dnsSuffix: "csp.hci.ic.gov",
    dualStackDnsSuffix: "api.aws.hci.ic.gov",
    s3Fips: true,
  },
  {
    name: "aws-eusc",
    regions: /^eusc-de-\w+-\d+$/,
    dnsSuffix: "amazonaws.eu",
    dualStackDnsSuffix: "api.amazonwebservices.eu",
    s3Fips: true,
  },
];

/** Any other region is in the commercial partition, as the SDK assumes for regions it does not know yet. */
const AWS: Partition = { name: "aws", dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws", s3Fips: true };

export function partitionOf(region: string): Partition {
  return PARTITIONS.find((partition) => partition.regions.test(region)) ?? AWS;
}

export interface EndpointVariant {
  fips: boolean;
  dualstack: boolean;
}

/**
 * SQS's regional endpoint: `sqs.<region>.<suffix>`, `sqs-fips.…` with FIPS, the dual-stack suffix (`api.aws`)
 * with dual-stack. In GovCloud the plain endpoint is already FIPS, and FIPS without dual-stack names it.
 */
export function sqsEndpoint(region: string, variant: EndpointVariant): string {
  const partition = partitionOf(region);
  const suffix = variant.dualstack ? partition.dualStackDnsSuffix : partition.dnsSuffix;
  if (variant.fips && !variant.dualstack && partition.name === "aws-us-gov") return `https://sqs.${region}.${suffix}`;
  return `https://${variant.fips ? "sqs-fips" : "sqs"}.${region}.${suffix}`;
}

/**
 * S3's regional endpoint (buckets go in front of it, or after it in path style): `s3.<region>.<suffix>`,
 * `s3-fips.…`, `s3.dualstack.…`, `s3-fips.dualstack.…`; S3's dual-stack names keep the partition's own suffix.
 */
export function s3Endpoint(region: string, variant: EndpointVariant): string {
  const partition = partitionOf(region);
  if (variant.fips && !partition.s3Fips) {
    throw new Error(
      `S3 has no FIPS endpoints in ${region} (partition ${partition.name}): unset use_fips_endpoint / AWS_USE_FIPS_ENDPOINT for this input`,
    );
  }
  return `https://${variant.fips ? "s3-fips" : "s3"}${variant.dualstack ? ".dualstack" : ""}.${region}.${partition.dnsSuffix}`;
}

/** The input keys that choose endpoints. */
export interface EndpointConfig {
  endpoint_url?: string;
  s3_endpoint_url?: string;
  use_fips_endpoint?: boolean;
  use_dualstack_endpoint?: boolean;
}

/** Where one input's SQS and S3 requests go. */
export interface EndpointChoice {
  /** Every SQS request goes here when set; otherwise to its queue URL's host, or the regional endpoint. */
  sqsEndpointUrl?: string;
  /** Every S3 request goes here when set (bucket in front of its host, or in its path); otherwise {@link s3Endpoint}. */
  s3EndpointUrl?: string;
  variant: EndpointVariant;
  /** Where each choice came from, for the start line and errors. */
  sources: { sqs: string; s3: string; fips: string; dualstack: string };
}

function envBoolean(env: Record<string, string | undefined>, name: string): boolean | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new Error(`${name}=${value}: expected true or false`);
}

function checkUrl(where: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${where}=${value}: not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`${where}=${value}: expected an http:// or https:// URL`);
  }
  if (url.search !== "" || url.hash !== "") throw new Error(`${where}=${value}: an endpoint has no query or fragment`);
  return value;
}

/**
 * The endpoints of an input: its own keys first (`s3_endpoint_url`, then `endpoint_url`, for S3; `endpoint_url`
 * for SQS), then the environment as the AWS SDKs read it (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL_SQS`, then
 * `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`). FIPS and dual-stack come from
 * `use_fips_endpoint` / `use_dualstack_endpoint`, else `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`.
 *
 * Refused, as the SDK refuses them: FIPS or dual-stack together with an endpoint override (the override is used
 * as it is: name the FIPS or dual-stack host in it instead), and S3 FIPS where the partition has none.
 */
export function chooseEndpoints(
  inputName: string,
  region: string,
  config: EndpointConfig,
  env: Record<string, string | undefined>,
): EndpointChoice {
  const key = (name: string) => `inputs.${inputName}.${name}`;
  const ignoreEnv = envBoolean(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") === true;
  const fromEnv = (name: string) => {
    const value = ignoreEnv ? undefined : env[name]?.trim();
    return value === undefined || value === "" ? undefined : { value: checkUrl(name, value), source: name };
  };
  const fromConfig = (name: keyof EndpointConfig) => {
    const value = config[name];
    return typeof value === "string" ? { value: checkUrl(key(name), value), source: key(name) } : undefined;
  };
  const sqs = fromConfig("endpoint_url") ?? fromEnv("AWS_ENDPOINT_URL_SQS") ?? fromEnv("AWS_ENDPOINT_URL");
  const s3 =
    fromConfig("s3_endpoint_url") ??
    fromConfig("endpoint_url") ??
    fromEnv("AWS_ENDPOINT_URL_S3") ??
    fromEnv("AWS_ENDPOINT_URL");
  const flag = (configKey: "use_fips_endpoint" | "use_dualstack_endpoint", envName: string) => {
    const configured = config[configKey];
    if (configured !== undefined) return { value: configured, source: key(configKey) };
    const fromEnvironment = envBoolean(env, envName);
    return fromEnvironment !== undefined
      ? { value: fromEnvironment, source: envName }
      : { value: false, source: "default" };
  };
  const fips = flag("use_fips_endpoint", "AWS_USE_FIPS_ENDPOINT");
  const dualstack = flag("use_dualstack_endpoint", "AWS_USE_DUALSTACK_ENDPOINT");
  for (const [variant, chosen] of [
    ["FIPS", fips],
    ["dual-stack", dualstack],
  ] as const) {
    if (!chosen.value) continue;
    for (const override of [sqs, s3]) {
      if (override === undefined) continue;
      throw new Error(
        `${chosen.source} asks for ${variant} endpoints, but ${override.source} (${override.value}) overrides the endpoint: ` +
          `a custom endpoint is used as it is, so name the ${variant} host in it, or unset one of the two`,
      );
    }
  }
  const variant = { fips: fips.value, dualstack: dualstack.value };
  // Refuses what has no endpoint (S3 FIPS in China) now rather than at the first object.
  if (s3 === undefined) s3Endpoint(region, variant);
  return {
    ...(sqs === undefined ? {} : { sqsEndpointUrl: sqs.value }),
    ...(s3 === undefined ? {} : { s3EndpointUrl: s3.value }),
    variant,
    sources: {
      sqs: sqs?.source ?? "default",
      s3: s3?.source ?? "default",
      fips: fips.source,
      dualstack: dualstack.source,
    },
  };
}
