import process from "node:process";
import { pino } from "pino";

export type Logger = pino.Logger;

/**
 * Structured JSON logs on stderr (stdout stays free for the console output and the `parse` command).
 * Secrets are redacted by path as a second line of defence: the code never logs credentials on purpose.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? "aws-devo-collector",
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      redact: {
        paths: [
          "*.access_secret",
          "*.aws_secret_access_key",
          "*.secretAccessKey",
          "*.sessionToken",
          "*.key_passphrase",
          "credentials",
        ],
        censor: "[redacted]",
      },
      base: { pid: process.pid },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that drops everything: for tests and for the `parse` command. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
