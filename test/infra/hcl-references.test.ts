import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unquoteReferenceLists } from "../../infra/hcl-references.ts";

describe("unquoteReferenceLists", () => {
  it("unquotes the references of depends_on and ignore_changes lists", () => {
    const hcl = [
      'resource "aws_s3_bucket_notification" "n" {',
      'bucket = "logs"',
      "depends_on = [",
      '"aws_sqs_queue_policy.queue-a_policy_1A2B",',
      '"module.x.aws_sns_topic_policy.p",',
      "]",
      "lifecycle {",
      "  ignore_changes = [",
      '"input",',
      "]",
      "}",
      "}",
    ].join("\n");
    assert.equal(
      unquoteReferenceLists(hcl),
      hcl
        .replace('"aws_sqs_queue_policy.queue-a_policy_1A2B"', "aws_sqs_queue_policy.queue-a_policy_1A2B")
        .replace('"module.x.aws_sns_topic_policy.p"', "module.x.aws_sns_topic_policy.p")
        .replace('"input"', "input"),
    );
  });

  it("leaves every other string alone, including look-alikes outside those lists", () => {
    const hcl = 'name = "aws_sqs_queue.q"\ntags = {\nowner = "a.b"\n}\nevents = [\n"s3:ObjectCreated:*",\n]\n';
    assert.equal(unquoteReferenceLists(hcl), hcl);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an interpolation must not be mistaken for a reference
    const notAReference = 'depends_on = [\n"${aws_sqs_queue.q}",\n]\n';
    assert.equal(unquoteReferenceLists(notAReference), notAReference);
  });
});
