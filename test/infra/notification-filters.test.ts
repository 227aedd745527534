import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { describeOverlap, findFilterOverlaps, sharedEvent } from "../../infra/validation/notification-filters.ts";

const created = ["s3:ObjectCreated:*"];
const route = (origin: string, prefix: string, suffix: string, events = created) => ({
  origin,
  events,
  prefix,
  suffix,
});

describe("findFilterOverlaps", () => {
  it("finds routes whose prefixes and suffixes can both match one key", () => {
    const [overlap] = findFilterOverlaps([route("a", "AWSLogs/", ".gz"), route("b", "AWSLogs/1/", ".log.gz")]);
    assert.equal(overlap.event, "s3:ObjectCreated:*");
    assert.equal(overlap.exampleKey, "AWSLogs/1/example.log.gz");
    assert.match(
      describeOverlap(overlap),
      /a \(prefix "AWSLogs\/" suffix ".gz"\) and b .* overlap for s3:ObjectCreated:\*/,
    );
  });

  it("accepts disjoint prefixes, or disjoint suffixes under one prefix", () => {
    assert.deepEqual(findFilterOverlaps([route("a", "elb/", ".log"), route("b", "alb/", ".log")]), []);
    assert.deepEqual(findFilterOverlaps([route("a", "logs/", ".json"), route("b", "logs/", ".csv")]), []);
  });

  it("treats an empty filter as matching everything", () => {
    assert.equal(findFilterOverlaps([route("a", "", ""), route("b", "x/", ".gz")]).length, 1);
  });

  it("compares event types, with wildcards covering their specific events", () => {
    assert.equal(sharedEvent("s3:ObjectCreated:*", "s3:ObjectCreated:Put"), "s3:ObjectCreated:Put");
    assert.equal(sharedEvent("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"), undefined);
    assert.equal(sharedEvent("s3:ObjectCreated:*", "s3:ObjectRemoved:*"), undefined);
    assert.deepEqual(
      findFilterOverlaps([route("a", "x/", "", ["s3:ObjectCreated:*"]), route("b", "x/", "", ["s3:ObjectRemoved:*"])]),
      [],
    );
  });

  it("reports an overlap exactly when some key matches both filters (property)", () => {
    // Short strings over a tiny alphabet make shared keys likely; every key up to 8 characters is tried.
    const part = fc.string({ unit: fc.constantFrom("a", "b"), maxLength: 3 });
    const keys: string[] = [""];
    for (let length = 1; length <= 8; length++) {
      for (const k of keys.filter((key) => key.length === length - 1)) keys.push(`${k}a`, `${k}b`);
    }
    fc.assert(
      fc.property(part, part, part, part, (p1, s1, p2, s2) => {
        const matches = (key: string, p: string, s: string) =>
          key.startsWith(p) && key.endsWith(s) && key.length >= Math.max(p.length, s.length);
        const someKeyMatchesBoth = keys.some((k) => matches(k, p1, s1) && matches(k, p2, s2));
        const reported = findFilterOverlaps([route("a", p1, s1), route("b", p2, s2)]);
        assert.equal(reported.length === 1, someKeyMatchesBoth, `prefixes ${p1}/${p2} suffixes ${s1}/${s2}`);
        if (reported.length === 1) {
          const key = reported[0].exampleKey;
          assert.ok(key.startsWith(p1) && key.startsWith(p2) && key.endsWith(s1) && key.endsWith(s2));
        }
      }),
      { numRuns: 500 },
    );
  });
});
