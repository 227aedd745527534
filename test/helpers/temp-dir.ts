import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const made: string[] = [];

/**
 * A new directory under the system's temp directory, removed when the test process exits (pass or fail), so a
 * test run leaves nothing behind on a developer's machine. One exit listener for all of them.
 */
export function tempDir(prefix: string): string {
  if (made.length === 0) {
    process.once("exit", () => {
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
