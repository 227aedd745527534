/**
 * Builds SQS message bodies exactly as AWS sends them, following the documented structures: S3 event
 * notifications (event message structure v2.1), the SNS envelope, EventBridge "Object Created", CloudTrail's
 * SNS notification and CrowdStrike FDR messages. Keys are URL-encoded the way S3 encodes them.
 */

/** S3's form-style encoding of a key in event notifications: `%XX` for reserved bytes, `+` for a space. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, "+")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface ObjectRef {
  bucket: string;
  key: string;
  size?: number;
  eventName?: string;
  eventTime?: string;
}

export function s3EventNotification(objects: ObjectRef[], region = "us-east-1", account = "123456789012"): string {
  return JSON.stringify({
    Records: objects.map((object, index) => ({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: region,
      eventTime: object.eventTime ?? new Date().toISOString(),
      eventName: object.eventName ?? "ObjectCreated:Put",
      // The requester: here the account's root principal, which S3 writes as `AWS:<account id>`.
      userIdentity: { principalId: `AWS:${account}` },
      requestParameters: { sourceIPAddress: "203.0.113.10" },
      responseElements: { "x-amz-request-id": `REQ${index}`, "x-amz-id-2": "EXAMPLEid2" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "devo-notifications",
        bucket: {
          name: object.bucket,
          ownerIdentity: { principalId: "A3NL1KOZZKExample" },
          arn: `arn:aws:s3:::${object.bucket}`,
        },
        object: {
          key: encodeS3EventKey(object.key),
          size: object.size ?? 1024,
          eTag: "d41d8cd98f00b204e9800998ecf8427e",
          sequencer: `0055AED6DCD9028${index}`,
        },
      },
    })),
  });
}

export function s3TestEvent(bucket: string): string {
  return JSON.stringify({
    Service: "Amazon S3",
    Event: "s3:TestEvent",
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: "5582815E1AEA5ADF",
    HostId: "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
  });
}

/** The SNS → SQS envelope (raw delivery off): the original body travels as the string `Message`. */
export function snsEnvelope(message: string, topicArn = "arn:aws:sns:us-east-1:123456789012:devo-logs"): string {
  return JSON.stringify({
    Type: "Notification",
    MessageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
    TopicArn: topicArn,
    Subject: "Amazon S3 Notification",
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: "1",
    Signature:
      "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
    SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
    UnsubscribeURL:
      "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:devo-logs:0",
  });
}

export function eventBridgeObjectCreated(bucket: string, key: string, size = 1024): string {
  return JSON.stringify({
    version: "0",
    id: "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "123456789012",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key, size, etag: "b1946ac92492d2347c6235b4d2611184", sequencer: "00617F08299329D189" },
      "request-id": "N4N7GDK58NMKJ12R",
      requester: "123456789012",
      "source-ip-address": "1.2.3.4",
      reason: "PutObject",
    },
  });
}

export function cloudTrailSnsNotification(bucket: string, keys: string[]): string {
  return JSON.stringify({ s3Bucket: bucket, s3ObjectKey: keys });
}

export function fdrNotification(bucket: string, paths: string[]): string {
  return JSON.stringify({
    cid: "0123456789abcdef0123456789abcdef",
    timestamp: Date.now(),
    fileCount: paths.length,
    totalSize: paths.length * 1024,
    bucket,
    pathPrefix: paths[0]?.split("/").slice(0, 2).join("/") ?? "",
    files: paths.map((path) => ({ path, size: 1024, checksum: "d41d8cd98f00b204e9800998ecf8427e" })),
  });
}
