import * as z from "../runtime/zod.ts";
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
  return z.optional(z.boolean().check(z.refine((given) => given === value, { message: refusal })));
}

const persistenceSchema = z.strictObject({
  type: z.literal("filesystem"),
  config: z.strictObject({ directory_name: z.string().check(z.minLength(1)) }),
});

const globalsSchema = z.prefault(
  z.strictObject({
    debug: z._default(z.boolean(), false),
    id: z.optional(z.union([z.string(), z.number()])),
    name: z.optional(z.string()),
    persistence: z.optional(persistenceSchema),
    /**
     * Ours: Prometheus `/metrics` and `/healthz`; port 0 picks a free port, absent means off. `/healthz` answers 503
     * after `unhealthy_after_seconds` without a successful receive or without delivery progress (see health.ts).
     */
    metrics: z.optional(
      z.strictObject({
        port: z.number().check(z.int(), z.minimum(0), z.maximum(65535)),
        host: z._default(z.string(), "0.0.0.0"),
        unhealthy_after_seconds: z._default(z.number().check(z.positive(), z.maximum(86_400)), 120),
      }),
    ),
    /**
     * Ours: work items (SQS messages, API pages) processed at once in this process. 4 hides S3's first-byte
     * latency behind parsing; more objects at once only interleave CPU-bound parsing: on the bench, 8 used a
     * third more CPU for the same events than 2-4, and 90 MB more memory. Many tiny objects (latency-bound, not
     * CPU-bound) are the case for raising it.
     */
    concurrency: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(256)), 4),
    /** Ours: bytes of events handed to outputs and not yet acknowledged (the memory bound). */
    max_bytes_in_flight: z._default(z.number().check(z.int(), z.minimum(65_536)), 64 * 1024 * 1024),
    /** Ours: how long a stop waits for in-flight work before handing it back to the queue. */
    shutdown_grace_seconds: z._default(z.number().check(z.minimum(0), z.maximum(3600)), 30),
  }),
  {},
);

const inputSchema = z.strictObject({
  /** Ours: the input type when the input's id is not itself `sqs_collector` or `aws`. */
  type: z.optional(z.enum(["sqs_collector", "aws"])),
  id: z.optional(z.union([z.string(), z.number()])),
  enabled: z._default(z.boolean(), true),
  credentials: optionalCredentialsSchema,
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as us-east-1"))),
  /** The queue URL. */
  base_url: z.optional(z.url()),
  sqs_visibility_timeout: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(43_200)), 120),
  sqs_wait_timeout: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(20)), 20),
  sqs_max_messages: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10)), 10),
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
  endpoint_url: z.optional(z.url()),
  /** Ours: path-style S3 URLs. */
  s3_force_path_style: z._default(z.boolean(), false),
  /** Ours: the S3 endpoint alone (an S3 interface VPC endpoint), when it differs from SQS's; else `endpoint_url`. */
  s3_endpoint_url: z.optional(z.url()),
  /** Ours: FIPS / dual-stack endpoints of SQS and S3 (else AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT). */
  use_fips_endpoint: z.optional(z.boolean()),
  use_dualstack_endpoint: z.optional(z.boolean()),
  /** Ours: the account that must own every bucket read (`x-amz-expected-bucket-owner`); default: the queue's. */
  expected_bucket_owner: z.optional(z.string().check(z.regex(/^\d{12}$/, "expected a 12-digit AWS account id"))),
  /** Ours: the only buckets read, each a name (owned as above) or `{bucket, owner}`; others fail to the DLQ. */
  allowed_buckets: z.optional(
    z
      .array(
        z.union([
          z.string().check(z.minLength(3)),
          z.strictObject({
            bucket: z.string().check(z.minLength(3)),
            owner: z.optional(z.string().check(z.regex(/^\d{12}$/, "expected a 12-digit AWS account id"))),
          }),
        ]),
      )
      .check(z.minLength(1, "list at least one bucket, or leave allowed_buckets out")),
  ),
  /** Ours: the first retry of a failed message waits this long, doubling with each receive. */
  retry_backoff_seconds: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(43_200)), 30),
  max_retry_backoff_seconds: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(43_200)), 900),
  /** Ours: the most a message is kept invisible by the heartbeat (SQS's own cap is 12 hours). */
  max_visibility_extension_seconds: z._default(z.number().check(z.int(), z.minimum(60), z.maximum(43_200)), 6 * 3600),
  services: z.record(z.string(), z.unknown()).check(
    z.refine((services) => Object.keys(services).length > 0, {
      message: "expected at least one service",
    }),
  ),
});

export const configSchema = z.strictObject({
  globals: globalsSchema,
  outputs: outputsSchema,
  inputs: z.record(z.string(), inputSchema).check(
    z.refine((inputs) => Object.keys(inputs).length > 0, {
      message: "expected at least one input",
    }),
  ),
});

export type RawConfig = z.output<typeof configSchema>;
export type InputConfig = z.output<typeof inputSchema>;
export type GlobalsConfig = z.output<typeof globalsSchema>;
