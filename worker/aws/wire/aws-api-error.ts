import { http } from "../../runtime/node-http.ts";

/**
 * A failure AWS answered with: its error code as `name` and its HTTP status in `$metadata`, the shape the AWS SDK
 * gives its errors, so one `describeCause` and one retry rule read both.
 */
export class AwsApiError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  /** The server's clock (its Date header), for correcting our own when AWS says the request time is skewed. */
  readonly serverTime: number | undefined;
  /** S3's `x-amz-bucket-region`: where a bucket asked in the wrong region really is. */
  readonly bucketRegion: string | undefined;

  constructor(
    code: string,
    message: string,
    status: number,
    context: { requestId?: string; serverTime?: number; bucketRegion?: string } = {},
  ) {
    super(message || code);
    this.name = code;
    this.$metadata = { httpStatusCode: status, ...(context.requestId ? { requestId: context.requestId } : {}) };
    this.serverTime = context.serverTime;
    this.bucketRegion = context.bucketRegion;
  }
}

const XML_ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'" };

function xmlField(body: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(body);
  return match?.[1].replace(/&(amp|lt|gt|quot|apos);/g, (entity) => XML_ENTITIES[entity]);
}

/**
 * The code of `x-amzn-ErrorType` (`QueueDoesNotExist:http://internal.amazon.com/…`) or `x-amzn-query-error`
 * (`AWS.SimpleQueueService.NonExistentQueue;Sender`): what comes before the first `:` or `;`.
 */
function headerCode(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const code = text?.split(/[:;]/)[0].trim();
  return code === undefined || code === "" ? undefined : code;
}

/**
 * Reads an error response of either protocol we speak: SQS's JSON (`__type` such as
 * `com.amazonaws.sqs#QueueDoesNotExist`, `message`) or S3's XML (`<Code>`, `<Message>`). A body that is neither
 * is named by the `x-amzn-ErrorType` or `x-amzn-query-error` header when AWS sent one, else (a proxy's 502, a
 * HEAD) after its status: `ServiceUnavailable (503)`.
 */
export function parseAwsError(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): AwsApiError {
  const requestId = String(headers["x-amzn-requestid"] ?? headers["x-amz-request-id"] ?? "") || undefined;
  const date = Date.parse(String(headers.date ?? ""));
  const serverTime = Number.isNaN(date) ? undefined : date;
  let code: string | undefined;
  let message: string | undefined;
  const text = body.trim();
  if (text.startsWith("{")) {
    try {
      const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
      code = parsed.__type?.split("#").pop()?.split(":")[0];
      message = parsed.message ?? parsed.Message;
    } catch {
      // Not JSON after all: named by status below.
    }
  } else if (text.startsWith("<")) {
    code = xmlField(text, "Code");
    message = xmlField(text, "Message");
  }
  // A body without a code (a HEAD, a truncated or empty answer): the headers AWS's JSON protocols also carry.
  code ||= headerCode(headers["x-amzn-errortype"]) ?? headerCode(headers["x-amzn-query-error"]);
  code ||= (http.STATUS_CODES[status] ?? `Http${status}`).replace(/[^A-Za-z]/g, "");
  const bucketRegion = String(headers["x-amz-bucket-region"] ?? "") || undefined;
  return new AwsApiError(code, message ?? "", status, { requestId, serverTime, bucketRegion });
}
