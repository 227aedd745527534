import { z } from "zod";
import { optionalCredentialsSchema } from "./credentials-schema.ts";
import { outputsSchema } from "./outputs-schema.ts";

/**
 * The worker's configuration: the YAML shape of Devo's collector configuration (`globals`, `outputs`,
 * `inputs.<id>` with `credentials` and `services`), so a customer's existing file runs, plus our optional
 * additions (marked "ours"). Services are validated against the catalog in `load-config.ts`, because each
 * service has its own options.
 */

/** A Devo switch of which this worker implements one value: the other is a start-up error saying why. */
function onlyValue(value: boolean, refusal: string) {
  return z
    .boolean()
    .refine((given) => given === value, { message: refusal })
    .optional();
}

const persistenceSchema = z.strictObject({
  type: z.literal("filesystem"),
  config: z.strictObject({ directory_name: z.string().min(1) }),
});

const globalsSchema = z
  .strictObject({
    debug: z.boolean().default(false),
    id: z.union([z.string(), z.number()]).optional(),
    name: z.string().optional(),
    persistence: persistenceSchema.optional(),
    /**
     * Ours: Prometheus `/metrics` and `/healthz`; port 0 picks a free port, absent means off. `/healthz` answers 503
     * after `unhealthy_after_seconds` without a successful receive or without delivery progress (see health.ts).
     */
    metrics: z
      .strictObject({
        port: z.number().int().min(0).max(65535),
        host: z.string().default("0.0.0.0"),
        unhealthy_after_seconds: z.number().positive().max(86_400).default(120),
      })
      .optional(),
    /**
     * Ours: work items (SQS messages, API pages) processed at once in this process. 4 hides S3's first-byte
     * latency behind parsing; more objects at once only interleave CPU-bound parsing: on the bench, 8 used a
     * third more CPU for the same events than 2-4, and 90 MB more memory. Many tiny objects (latency-bound, not
     * CPU-bound) are the case for raising it.
     */
    concurrency: z.number().int().min(1).max(256).default(4),
    /** Ours: bytes of events handed to outputs and not yet acknowledged (the memory bound). */
    max_bytes_in_flight: z
      .number()
      .int()
      .min(65_536)
      .default(64 * 1024 * 1024),
    /** Ours: how long a stop waits for in-flight work before handing it back to the queue. */
    shutdown_grace_seconds: z.number().min(0).max(3600).default(30),
  })
  .prefault({});

const inputSchema = z.strictObject({
  /** Ours: the input type when the input's id is not itself `sqs_collector` or `aws`. */
  type: z.enum(["sqs_collector", "aws"]).optional(),
  id: z.union([z.string(), z.number()]).optional(),
  enabled: z.boolean().default(true),
  credentials: optionalCredentialsSchema,
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as us-east-1")
    .optional(),
  /** The queue URL. */
  base_url: z.url().optional(),
  sqs_visibility_timeout: z.number().int().min(1).max(43_200).default(120),
  sqs_wait_timeout: z.number().int().min(0).max(20).default(20),
  sqs_max_messages: z.number().int().min(1).max(10).default(10),
  /**
   * Switches of Devo's SQS collector example (its page shows the values below and describes none of them). The value
   * this worker implements is accepted; the other is refused at start-up rather than accepted and ignored.
   */
  ack_messages: onlyValue(
    true,
    "this worker deletes a message only after all its events are delivered (ack_messages: true); leaving read messages on the queue is not supported",
  ),
  direct_mode: onlyValue(
    false,
    "direct_mode: true is not supported (Devo does not document it); events carried in the messages themselves are read by the AWS collector's service-events-all and sqs-cloudwatch-consumer",
  ),
  do_not_send: onlyValue(
    false,
    "do_not_send: true is not supported: to collect without sending to Devo, use a console or file output",
  ),
  compressed_events: onlyValue(
    false,
    "compressed_events: true is not supported (Devo does not document it); compression of S3 objects is detected from their bytes, and `gzip: true` on a devo_platform output compresses what is sent",
  ),
  debug_md5: onlyValue(false, "debug_md5: true is not supported (Devo does not document it)"),
  /** Ours: one endpoint for every AWS client (emulators, VPC endpoints, S3-compatible stores). */
  endpoint_url: z.url().optional(),
  /** Ours: path-style S3 URLs. */
  s3_force_path_style: z.boolean().default(false),
  /** Ours: the S3 endpoint alone (an S3 interface VPC endpoint), when it differs from SQS's; else `endpoint_url`. */
  s3_endpoint_url: z.url().optional(),
  /** Ours: FIPS / dual-stack endpoints of SQS and S3 (else AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT). */
  use_fips_endpoint: z.boolean().optional(),
  use_dualstack_endpoint: z.boolean().optional(),
  /** Ours: the account that must own every bucket read (`x-amz-expected-bucket-owner`); default: the queue's. */
  expected_bucket_owner: z
    .string()
    .regex(/^\d{12}$/, "expected a 12-digit AWS account id")
    .optional(),
  /** Ours: the only buckets read, each a name (owned as above) or `{bucket, owner}`; others fail to the DLQ. */
  allowed_buckets: z
    .array(
      z.union([
        z.string().min(3),
        z.strictObject({
          bucket: z.string().min(3),
          owner: z
            .string()
            .regex(/^\d{12}$/, "expected a 12-digit AWS account id")
            .optional(),
        }),
      ]),
    )
    .min(1, "list at least one bucket, or leave allowed_buckets out")
    .optional(),
  /** Ours: the first retry of a failed message waits this long, doubling with each receive. */
  retry_backoff_seconds: z.number().int().min(0).max(43_200).default(30),
  max_retry_backoff_seconds: z.number().int().min(0).max(43_200).default(900),
  /** Ours: the most a message is kept invisible by the heartbeat (SQS's own cap is 12 hours). */
  max_visibility_extension_seconds: z
    .number()
    .int()
    .min(60)
    .max(43_200)
    .default(6 * 3600),
  services: z.record(z.string(), z.unknown()).refine((services) => Object.keys(services).length > 0, {
    message: "expected at least one service",
  }),
});

export const configSchema = z.strictObject({
  globals: globalsSchema,
  outputs: outputsSchema,
  inputs: z.record(z.string(), inputSchema).refine((inputs) => Object.keys(inputs).length > 0, {
    message: "expected at least one input",
  }),
});

export type RawConfig = z.output<typeof configSchema>;
export type InputConfig = z.output<typeof inputSchema>;
export type GlobalsConfig = z.output<typeof globalsSchema>;
