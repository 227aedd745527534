import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { s3EventNotification } from "../../test/helpers/notifications.ts";
import { BENCH } from "./fauxqs-process.ts";

/** One S3 event notification per object, sent as S3 sends them, ten messages per SendMessageBatch call. */
export async function announceObjects(
  sqs: SQSClient,
  queueUrl: string,
  objects: readonly { key: string; size?: number }[],
): Promise<void> {
  for (let i = 0; i < objects.length; i += 10) {
    const entries = objects.slice(i, i + 10).map((object, index) => ({
      Id: String(index),
      MessageBody: s3EventNotification(
        [{ bucket: BENCH.bucket, key: object.key, size: object.size }],
        BENCH.region,
        BENCH.account,
      ),
    }));
    const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (result.Failed && result.Failed.length > 0)
      throw new Error(`SendMessageBatch to ${queueUrl} failed: ${JSON.stringify(result.Failed)}`);
  }
}
