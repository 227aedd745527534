import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketNameProblems } from "../../infra/validation/bucket-name.ts";

describe("bucketNameProblems", () => {
  it("accepts names S3 accepts", () => {
    for (const name of [
      "abc",
      "acme-security-logs-123456789012",
      "aws-waf-logs-acme",
      "logs.example.com",
      "a".repeat(63),
    ]) {
      assert.deepEqual(bucketNameProblems(name), [], name);
    }
  });

  it("names each rule a refused name breaks", () => {
    const cases: [string, RegExp][] = [
      ["ab", /3 to 63/],
      ["a".repeat(64), /3 to 63/],
      ["Acme-Logs", /lowercase/],
      ["acme_logs", /lowercase/],
      ["-acme", /begin and end/],
      ["acme.", /begin and end/],
      ["acme..logs", /adjacent dots/],
      ["192.168.10.20", /IP address/],
      ["xn--acme", /reserved prefix "xn--"/],
      ["sthree-logs", /reserved prefix "sthree-"/],
      ["amzn-s3-demo-logs", /reserved prefix/],
      ["acme-s3alias", /reserved suffix "-s3alias"/],
      ["acme--ol-s3", /reserved suffix/],
      ["acme.mrap", /reserved suffix/],
      ["acme--x-s3", /reserved suffix/],
      ["acme--table-s3", /reserved suffix/],
    ];
    for (const [name, rule] of cases) {
      const problems = bucketNameProblems(name);
      assert.ok(
        problems.some((p) => rule.test(p)),
        `${name}: ${problems.join("; ")}`,
      );
    }
  });
});
