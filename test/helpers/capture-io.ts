import type { CommandIo } from "../../worker/cli/command-io.ts";

/** A command's stdout and stderr, captured as text. */
export function captureIo(): { io: CommandIo; out: () => string; err: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    io: {
      stdout: {
        write: (text: string) => {
          stdout += text;
          return true;
        },
      },
      stderr: {
        write: (text: string) => {
          stderr += text;
          return true;
        },
      },
    },
    out: () => stdout,
    err: () => stderr,
  };
}
