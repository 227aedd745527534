import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { outputsSchema } from "../../../worker/config/outputs-schema.ts";

function issues(input: unknown): string[] {
  const result = outputsSchema.safeParse(input);
  assert.equal(result.success, false, "expected the config to be rejected");
  return result.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("outputsSchema", () => {
  it("accepts Devo's devo_platform shape and fills the defaults", () => {
    const parsed = outputsSchema.parse({
      devo_1: {
        type: "devo_platform",
        config: { address: "collector-eu.devo.io", type: "SSL", chain: "chain.crt", cert: "d.crt", key: "d.key" },
      },
    });
    const devo = parsed.devo_1;
    assert.equal(devo.type, "devo_platform");
    if (devo.type !== "devo_platform") return;
    assert.equal(devo.config.port, 443);
    assert.equal(devo.config.check_hostname, true);
    assert.equal(devo.config.multiline, false);
    assert.equal(devo.config.gzip, false);
    assert.equal(devo.config.min_tls_version, "TLSv1.2");
    assert.equal(devo.config.idle_reconnect_seconds, 25);
    assert.equal(devo.config.max_connection_age_seconds, 3600);
  });

  it("accepts the connection type in any case, as Devo's SDK does", () => {
    const parsed = outputsSchema.parse({
      relay: { type: "syslog", config: { address: "relay.internal", port: 13000, type: "tcp" } },
    });
    assert.equal(parsed.relay.type === "syslog" && parsed.relay.config.type, "TCP");
  });

  it("rejects unknown keys with their path", () => {
    const found = issues({
      devo_1: {
        type: "devo_platform",
        config: { address: "a", chain: "c", cert: "c", key: "k", check_hostnme: false },
      },
    });
    assert.ok(
      found.some((line) => line.startsWith("devo_1.config: ") && line.includes("check_hostnme")),
      found.join("\n"),
    );
  });

  it("requires chain, cert and key for devo_platform and refuses plain TCP there", () => {
    const found = issues({ devo_1: { type: "devo_platform", config: { address: "a", type: "TCP" } } });
    for (const path of ["devo_1.config.chain", "devo_1.config.cert", "devo_1.config.key", "devo_1.config.type"]) {
      assert.ok(
        found.some((line) => line.startsWith(`${path}:`)),
        `${path} missing in\n${found.join("\n")}`,
      );
    }
  });

  it("needs cert and key together, and TLS settings only with SSL", () => {
    assert.ok(
      issues({ r: { type: "syslog", config: { address: "a", port: 1, type: "SSL", cert: "c" } } }).some((line) =>
        line.startsWith("r.config.key: a client certificate needs both"),
      ),
    );
    assert.ok(
      issues({ r: { type: "syslog", config: { address: "a", port: 1, type: "TCP", chain: "c" } } }).some((line) =>
        line.startsWith("r.config.chain: applies only to `type: SSL`"),
      ),
    );
  });

  it("refuses both spellings of the connection count at once", () => {
    const found = issues({
      r: { type: "syslog", config: { address: "a", port: 1, connections: 2, concurrent_connections: 2 } },
    });
    assert.ok(found.some((line) => line.startsWith("r.config.concurrent_connections:")));
  });

  it("lets console go without config and defaults file to jsonl", () => {
    const parsed = outputsSchema.parse({
      screen: { type: "console" },
      screen2: { type: "console", config: null },
      disk: { type: "file", config: { path: "/tmp/x.log" } },
    });
    assert.deepEqual(parsed.screen, { type: "console", config: { format: "jsonl" } });
    assert.deepEqual(parsed.screen2, { type: "console", config: { format: "jsonl" } });
    assert.equal(parsed.disk.type === "file" && parsed.disk.config.format, "jsonl");
    assert.equal(parsed.disk.type === "file" && parsed.disk.config.max_files, 5);
  });

  it("names an unknown output type and an empty section", () => {
    assert.ok(issues({ x: { type: "kafka" } }).some((line) => line.startsWith("x.type:")));
    assert.ok(issues({}).some((line) => line.includes("at least one output")));
  });
});
