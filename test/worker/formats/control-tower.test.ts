import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { read, tags } from "./read-helpers.ts";

const ORG = "o-a1b2c3d4e5/AWSLogs/111122223333";
const trail = JSON.stringify({
  Records: [
    {
      eventVersion: "1.08",
      eventSource: "sts.amazonaws.com",
      eventName: "AssumeRole",
      eventTime: "2024-03-01T10:00:00Z",
    },
  ],
});
const config = JSON.stringify({
  fileVersion: "1.0",
  configurationItems: [
    { resourceType: "AWS::S3::Bucket", resourceId: "b", configurationItemCaptureTime: "2024-03-01T10:00:00Z" },
  ],
});
const flow =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1709287200 1709287260 ACCEPT OK\n";
const alb =
  'http 2024-03-01T10:00:00.000000Z app/a/b 198.51.100.7:1 10.0.0.1:80 0.0 0.0 0.0 200 200 1 1 "GET http://x/ HTTP/1.1" "-" - -\n';

describe("aws_sqs_control_tower", () => {
  it("routes each object of the logging bucket by its key", async () => {
    const cases: [string, string, string[]][] = [
      [
        `${ORG}/CloudTrail/eu-west-1/2024/03/01/111122223333_CloudTrail_eu-west-1_20240301T1000Z_x.json.gz`,
        trail,
        ["cloud.aws.cloudtrail.sts"],
      ],
      [
        `${ORG}/Config/eu-west-1/2024/3/1/ConfigSnapshot/111122223333_Config_eu-west-1_ConfigSnapshot_x.json.gz`,
        config,
        ["cloud.aws.configlogs.events"],
      ],
      [
        `${ORG}/vpcflowlogs/eu-west-1/2024/03/01/111122223333_vpcflowlogs_eu-west-1_fl-1_x.log.gz`,
        flow,
        ["cloud.aws.vpc.flow"],
      ],
      [
        `${ORG}/elasticloadbalancing/eu-west-1/2024/03/01/111122223333_elasticloadbalancing_eu-west-1_app.a.b_x.log.gz`,
        alb,
        ["web.aws.alb.access"],
      ],
    ];
    for (const [key, text, expected] of cases) {
      const { events } = await read("aws_sqs_control_tower", zlib.gzipSync(text), { key });
      assert.deepEqual(tags(events), expected, key);
    }
  });

  it("leaves digests, writability checks and unknown keys out, saying why", async () => {
    const cases: [string, string][] = [
      [`${ORG}/CloudTrail-Digest/eu-west-1/2024/03/01/d.json.gz`, "CloudTrail digest file"],
      [`${ORG}/Config/ConfigWritabilityCheckFile`, "AWS Config writability check file"],
      [`${ORG}/SomethingElse/x.gz`, "Control Tower key of no known log type"],
    ];
    for (const [key, reason] of cases) {
      const { events, stats } = await read("aws_sqs_control_tower", trail, { key });
      assert.equal(events.length, 0);
      assert.deepEqual(stats.ignored, { [reason]: 1 });
    }
  });
});
