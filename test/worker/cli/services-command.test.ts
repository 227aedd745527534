import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runServicesCommand } from "../../../worker/cli/services-command.ts";
import { SERVICES } from "../../../worker/services/catalog.ts";

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } },
  };
}

describe("aws-devo-collector services", () => {
  it("--json prints {name, input, source, framing, table} for every service", async () => {
    const run = capture();
    assert.equal(await runServicesCommand(["--json"], run.io), 0);
    const rows = JSON.parse(run.out.stdout) as Record<string, string>[];
    assert.equal(rows.length, SERVICES.length);
    for (const row of rows) assert.deepEqual(Object.keys(row), ["name", "input", "source", "framing", "table"]);
    assert.deepEqual(
      rows.find((r) => r.name === "aws_sqs_vpc"),
      {
        name: "aws_sqs_vpc",
        input: "sqs_collector",
        source: "sqs-objects",
        framing: "lines (header)",
        table: "cloud.aws.vpc.flow",
      },
    );
  });

  it("prints an aligned table, and exits 2 on unknown flags", async () => {
    const run = capture();
    assert.equal(await runServicesCommand([], run.io), 0);
    const lines = run.out.stdout.trimEnd().split("\n");
    assert.equal(lines.length, SERVICES.length + 1);
    assert.match(lines[0], /^SERVICE\s+INPUT\s+SOURCE\s+FRAMING\s+DEVO TABLE$/);
    const column = lines[0].indexOf("SOURCE");
    assert.ok(lines.every((line) => line.length > column));
    assert.match(lines.find((l) => l.startsWith("aws_sqs_cloudtrail "))!, /cloud\.aws\.cloudtrail\.<source>$/);
    const bad = capture();
    assert.equal(await runServicesCommand(["--xml"], bad.io), 2);
    assert.match(bad.out.stderr, /Usage: aws-devo-collector services/);
  });
});
