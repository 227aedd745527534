import assert from "node:assert/strict";
import { ConfigError, validateConfig } from "../../../worker/config/load-config.ts";

/** The problems validateConfig reports for a document that must be refused. */
export function problemsOf(document: unknown): string[] {
  try {
    validateConfig(document);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail("expected a ConfigError");
}
