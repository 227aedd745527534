import assert from "node:assert/strict";
import { type ConfigIssue, PipelineConfigError, parsePipelineConfig } from "../../../infra/config.ts";

/** The issues a configuration is refused with; fails when it is accepted. */
export function issuesOf(value: unknown): ConfigIssue[] {
  try {
    parsePipelineConfig(value, "test.yaml");
  } catch (error) {
    assert.ok(error instanceof PipelineConfigError, String(error));
    assert.match(error.message, /^invalid pipeline configuration test\.yaml:\n {2}- /);
    return error.issues;
  }
  assert.fail("the configuration was accepted");
}

/** Asserts one issue at `path` whose message matches; on failure lists every issue found. */
export function assertIssue(issues: ConfigIssue[], path: string, message: RegExp): void {
  assert.ok(
    issues.some((i) => i.path === path && message.test(i.message)),
    `no issue at ${path} matching ${message}; got:\n${issues.map((i) => `${i.path}: ${i.message}`).join("\n")}`,
  );
}
