import { accountFromQueueUrl } from "../pipeline/queue-plan.ts";
import { AwsApiError } from "./wire/aws-api-error.ts";
import type { GetObjectOptions, ObjectBody, ObjectStore } from "./wire/s3-wire-client.ts";

/** An `allowed_buckets` entry: a bucket name (owned by the expected owner), or a bucket and its owner's account. */
export type AllowedBucket = string | { bucket: string; owner?: string };

/** The input keys that say which buckets a queue's notifications may name, and who must own them. */
export interface BucketOwnerConfig {
  expected_bucket_owner?: string;
  allowed_buckets?: AllowedBucket[];
}

/** A notification named a bucket the configuration does not allow: the object is not read at all. */
export class BucketNotAllowedError extends Error {
  override readonly name = "BucketNotAllowed";
}

/**
 * Which buckets the objects of one queue may come from and which account must own each, sent to S3 as
 * `x-amz-expected-bucket-owner` with every GetObject:
 *
 * - `allowed_buckets` set: only the buckets listed; each owned by its `owner`, else by the default owner below.
 * - the default owner: `expected_bucket_owner`, else the account of the queue (from its URL,
 *   `https://sqs.<region>.amazonaws.com/<account>/<name>`), as the stacks of this project put queue and bucket in
 *   one account. A queue URL without an account (some emulators) and no configured owner: no header.
 */
export class BucketGuard {
  readonly #inputName: string;
  readonly #defaultOwner: { account: string; source: string } | undefined;
  readonly #allowed: Map<string, string | undefined> | undefined;

  constructor(inputName: string, queueUrl: string, config: BucketOwnerConfig) {
    this.#inputName = inputName;
    const queueAccount = accountFromQueueUrl(queueUrl);
    this.#defaultOwner =
      config.expected_bucket_owner !== undefined
        ? { account: config.expected_bucket_owner, source: `inputs.${inputName}.expected_bucket_owner` }
        : queueAccount !== undefined
          ? { account: queueAccount, source: "the queue's account" }
          : undefined;
    this.#allowed =
      config.allowed_buckets === undefined
        ? undefined
        : new Map(
            config.allowed_buckets.map((entry) =>
              typeof entry === "string" ? [entry, undefined] : [entry.bucket, entry.owner],
            ),
          );
  }

  /** The owner to expect for `bucket`, with where that comes from; throws when the bucket is not allowed. */
  ownerOf(bucket: string): { account: string; source: string } | undefined {
    if (this.#allowed === undefined) return this.#defaultOwner;
    if (!this.#allowed.has(bucket)) {
      const key = `inputs.${this.#inputName}.allowed_buckets`;
      throw new BucketNotAllowedError(
        `bucket ${bucket} is not in ${key} (${[...this.#allowed.keys()].join(", ")}); the object was not read. ` +
          `If its notifications are meant for this queue, add it to ${key}` +
          ` (as {bucket: ${bucket}, owner: <account id>} when another account owns it)`,
      );
    }
    const owner = this.#allowed.get(bucket);
    return owner !== undefined
      ? { account: owner, source: `inputs.${this.#inputName}.allowed_buckets` }
      : this.#defaultOwner;
  }

  /**
   * S3 answers 403 AccessDenied when the bucket's owner is not the expected one, the same answer as for a missing
   * permission: the error says both, and the key to set.
   */
  explain(error: unknown, bucket: string, owner: { account: string; source: string } | undefined): unknown {
    if (owner === undefined || !(error instanceof AwsApiError) || error.$metadata.httpStatusCode !== 403) return error;
    error.message =
      `${error.message}; S3 answers so for a missing permission, and for a bucket not owned by ${owner.account} ` +
      `(${owner.source}): if ${bucket} belongs to another account, list it in inputs.${this.#inputName}.allowed_buckets ` +
      `as {bucket: ${bucket}, owner: <its account id>}`;
    return error;
  }
}

/** A queue's view of the input's shared object store: every GetObject checked against the queue's {@link BucketGuard}. */
export class OwnerCheckedStore implements ObjectStore {
  readonly #store: ObjectStore;
  readonly #guard: BucketGuard;

  constructor(store: ObjectStore, guard: BucketGuard) {
    this.#store = store;
    this.#guard = guard;
  }

  async getObject(bucket: string, key: string, options: GetObjectOptions = {}): Promise<ObjectBody> {
    const owner = this.#guard.ownerOf(bucket);
    try {
      return await this.#store.getObject(bucket, key, { ...options, expectedOwner: owner?.account });
    } catch (error) {
      throw this.#guard.explain(error, bucket, owner);
    }
  }

  /** The store is the input's, shared by its queues: destroyed with it, not here. */
  destroy(): void {}
}
