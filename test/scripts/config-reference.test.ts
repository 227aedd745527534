import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { REFERENCE_PATH, renderConfigReference } from "../../scripts/config-reference.ts";
import { SERVICES } from "../../worker/services/catalog.ts";

describe("docs/configuration.md", () => {
  it("is what the schemas say today (regenerate it with `npm run docs:config`)", async () => {
    const written = await readFile(REFERENCE_PATH, "utf8");
    assert.ok(written === renderConfigReference(), "docs/configuration.md is out of date: run `npm run docs:config`");
  });

  it("documents every service and the keys users look for", () => {
    const text = renderConfigReference();
    for (const service of SERVICES) assert.ok(text.includes(`\`${service.name}\``), service.name);
    for (const key of [
      "server_name",
      "check_hostname",
      "sec_level",
      "s3_file_type_filter",
      "cloudwatch_sqs_queue_name",
    ]) {
      assert.match(text, new RegExp(`\\| \`${key}\` \\|`), key);
    }
  });
});
