/** One readable phrase for an AWS SDK error or any other failure: `NoSuchKey (404): The specified key does not exist.` */
export function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const meta = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const status = meta?.httpStatusCode;
  const name = cause.name && cause.name !== "Error" ? cause.name : "";
  const head = [name, status ? `(${status})` : ""].filter(Boolean).join(" ");
  const message = cause.message && cause.message !== "UnknownError" && cause.message !== name ? cause.message : "";
  return [head, message].filter(Boolean).join(": ") || "unknown error";
}
