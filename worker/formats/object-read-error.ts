/**
 * The object as a whole cannot be read (not decompressible, not the container its service expects, truncated).
 * The pipeline retries the message on this error and it ends in the DLQ; records that are merely bad inside a
 * readable object are skipped and counted instead (ParseStats), never thrown.
 */
export class ObjectReadError extends Error {
  override readonly name = "ObjectReadError";
}
