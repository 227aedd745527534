import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cloudTrailFileType,
  commonSkipReason,
  filteredByFilenameRules,
} from "../../../worker/services/object-filters.ts";
import { newParseStats } from "../../../worker/services/service-definition.ts";

describe("object filters", () => {
  it("reads the CloudTrail file type of a key, with or without an organization level", () => {
    assert.equal(cloudTrailFileType("AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/01/f.json.gz"), "CloudTrail");
    assert.equal(
      cloudTrailFileType("pre/fix/AWSLogs/o-abc123/111122223333/CloudTrail-Insight/eu-west-1/f.json.gz"),
      "CloudTrail-Insight",
    );
    assert.equal(cloudTrailFileType("random/key.json"), undefined);
  });

  it("applies filename_filter_rules: every rule of one group must hold", () => {
    const rules = [
      [{ type: "match" as const, pattern: "CloudTrail-Digest" }],
      [
        { type: "match" as const, pattern: "^logs/" },
        { type: "not_match" as const, pattern: "\\.gz$" },
      ],
    ];
    assert.equal(filteredByFilenameRules("AWSLogs/1/CloudTrail-Digest/x", rules), true);
    assert.equal(filteredByFilenameRules("logs/a.txt", rules), true);
    assert.equal(filteredByFilenameRules("logs/a.gz", rules), false);
    assert.equal(filteredByFilenameRules("other/a.txt", rules), false);
    assert.equal(
      filteredByFilenameRules("a(b", [[{ type: "match", pattern: "(" }]]),
      true,
      "an invalid regex matches literally",
    );
  });

  it("says why an object is not read", () => {
    const context = (key: string, options: Record<string, unknown>) => ({
      bucket: "b",
      key,
      options,
      stats: newParseStats(),
    });
    assert.equal(commonSkipReason(context("x/CloudTrail/y", {})), undefined);
    assert.equal(
      commonSkipReason(
        context("AWSLogs/111122223333/CloudTrail/eu-west-1/f", { s3_file_type_filter: ["CloudTrail-Insight"] }),
      ),
      "key filtered by s3_file_type_filter",
    );
    assert.equal(
      commonSkipReason(context("x/CloudTrail-Insight/y", { s3_file_type_filter: ["CloudTrail-Insight"] })),
      undefined,
    );
    assert.equal(
      commonSkipReason(context("a/b", { filename_filter_rules: [[{ type: "match", pattern: "a/" }]] })),
      "key filtered by filename_filter_rules",
    );
  });
});
