export interface ObjectReadErrorOptions {
  cause?: unknown;
  /** Where the object lives, when the thrower knows it (the SQS source does; the formats layer reads bare bytes). */
  bucket?: string;
  key?: string;
}

/**
 * The object as a whole cannot be read (not decompressible, not the container its service expects, truncated,
 * or not fetched at all). The pipeline retries the message on this error and it ends in the DLQ; records that
 * are merely bad inside a readable object are skipped and counted instead (ParseStats), never thrown.
 *
 * The formats layer throws it with only a message (codec and cause); the SQS source wraps whatever reading one
 * announced object threw with `ObjectReadError.at`, so a single log line names bucket, key and cause.
 */
export class ObjectReadError extends Error {
  override readonly name = "ObjectReadError";
  readonly bucket: string | undefined;
  readonly key: string | undefined;

  constructor(message: string, options: ObjectReadErrorOptions = {}) {
    // Only `cause` goes to Error, and only when given, so an error without one has no `cause` property at all.
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.bucket = options.bucket;
    this.key = options.key;
  }

  /** Reading `s3://bucket/key` failed with `cause`; `reason` is the cause put in words for people. */
  static at(bucket: string, key: string, cause: unknown, reason: string): ObjectReadError {
    return new ObjectReadError(`s3://${bucket}/${key}: ${reason}`, { cause, bucket, key });
  }
}
