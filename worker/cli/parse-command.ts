import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { readInlineEvents } from "../formats/read-inline-events.ts";
import { readObject } from "../formats/read-object.ts";
import type { DevoEvent } from "../pipeline/event.ts";
import { findService, SERVICES } from "../services/catalog.ts";
import {
  newParseStats,
  type ObjectContext,
  type ParseStats,
  type ServiceDefinition,
  type ServiceOptions,
} from "../services/service-definition.ts";
import type { CommandIo } from "./command-io.ts";

export const PARSE_USAGE = `Usage: aws-devo-collector parse --service NAME [--type TYPE] [--key S3KEY] [--options JSON] FILE...

Reads local files exactly as the worker reads S3 objects (sniffed gzip/zstd/plain, the service's framing and
parser) and prints one JSON object per event on stdout: {"tag": "...", "message": "..."}.
For services fed by queue messages (service-events-all, sqs-cloudwatch-consumer) each file is one message body.
A summary (events, skipped records and why) goes to stderr.

Options:
  --service NAME   a collection service (see: aws-devo-collector services)
  --type TYPE      the module of a service with several: non-cloudwatch-logs flowlogs|cloudfrontlogs,
                   audit-events-all audits_s3
  --key S3KEY      the S3 key the files stand for (routing by key, digest files, filters);
                   default: each file's name
  --options JSON   the service's options as in the config (custom_service needs file_format and routing_template),
                   e.g. '{"file_format":"separated_json_processor","routing_template":"my.app.[record-type]"}'
  -h, --help       this text

Exit codes: 0 every file was read, 1 a file could not be read or decoded, 2 bad usage.
`;

/** Types `--type` accepts per service: the modules that read files. */
const FILE_MODULES: Record<string, readonly string[]> = {
  "non-cloudwatch-logs": ["flowlogs", "cloudfrontlogs"],
  "audit-events-all": ["audits_s3"],
};

class UsageError extends Error {}

interface ParseRequest {
  service: ServiceDefinition;
  type?: string;
  key?: string;
  options: ServiceOptions;
  files: string[];
}

function parseRequest(argv: string[]): ParseRequest | "help" {
  let parsed: ReturnType<typeof parseArgsOf>;
  try {
    parsed = parseArgsOf(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (!values.service) throw new UsageError("--service is required");
  if (positionals.length === 0) throw new UsageError("no FILE given");
  const service = findService(values.service);
  if (!service) {
    const names = [...new Set(SERVICES.map((s) => s.name))].join(", ");
    throw new UsageError(`unknown service '${values.service}' (services: ${names})`);
  }
  if (!service.objectFormat && !service.inlineEvents) {
    throw new UsageError(`service ${service.name} reads an AWS API (${service.source}), not files`);
  }
  const modules = FILE_MODULES[service.name];
  if (values.type !== undefined && !modules?.includes(values.type)) {
    throw new UsageError(
      modules
        ? `--type of ${service.name} must be one of: ${modules.join(", ")}`
        : `service ${service.name} has no modules; --type does not apply`,
    );
  }
  let rawOptions: unknown = {};
  if (values.options !== undefined) {
    try {
      rawOptions = JSON.parse(values.options);
    } catch (error) {
      throw new UsageError(`--options is not JSON: ${(error as Error).message}`);
    }
  }
  if (service.name === "audit-events-all" && typeof rawOptions === "object" && rawOptions !== null) {
    rawOptions = { types: ["audits_s3"], ...rawOptions };
  }
  const checked = service.options.safeParse(rawOptions);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => {
      const path =
        issue.path.length > 0 ? `services.${service.name}.${issue.path.join(".")}` : `services.${service.name}`;
      return `${path}: ${issue.message}`;
    });
    throw new UsageError(`invalid --options:\n  ${problems.join("\n  ")}`);
  }
  return { service, type: values.type, key: values.key, options: checked.data, files: positionals };
}

function parseArgsOf(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      service: { type: "string" },
      type: { type: "string" },
      key: { type: "string" },
      options: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** The reader of stdout went away (`parse … | head -1`): stop reading, as command-line tools do. */
class StdoutClosed extends Error {}

type Emitter = { once?: (event: string, listener: (error?: Error) => void) => unknown };

/**
 * Watches stdout for a closed pipe: Node reports EPIPE as an `'error'` event, which would otherwise crash the
 * process with a stack trace.
 */
function watchStdout(stream: CommandIo["stdout"]): { closed: boolean } {
  const state = { closed: false };
  const emitter = stream as { on?: (event: string, listener: (error: Error) => void) => unknown };
  emitter.on?.("error", () => {
    state.closed = true;
  });
  return state;
}

/** Writes and waits when the stream asks for it, so a slow reader of stdout bounds memory. */
async function write(stream: CommandIo["stdout"], text: string, state: { closed: boolean }): Promise<void> {
  if (state.closed) throw new StdoutClosed();
  const ok = stream.write(text);
  const emitter = stream as Emitter;
  if (ok === false && typeof emitter.once === "function") {
    await new Promise<void>((resolve) => {
      emitter.once?.("drain", () => resolve());
      emitter.once?.("error", () => resolve());
      emitter.once?.("close", () => resolve());
    });
  }
  if (state.closed) throw new StdoutClosed();
}

/** Replacement characters (bytes that are not UTF-8) and control characters other than tab: binary, not logs. */
const BINARY = /[\uFFFD\u0000-\u0008\u000E-\u001F]/;

function eventLines(events: DevoEvent[], stats: ParseStats & { binary?: number }): string {
  let text = "";
  for (const event of events) {
    if (BINARY.test(event.message)) stats.binary = (stats.binary ?? 0) + 1;
    text += `${JSON.stringify({ tag: event.tag, message: event.message })}\n`;
  }
  return text;
}

/** Largest file read as one queue message body: SQS messages are at most 256 KiB (1 MiB with extended clients). */
const MAX_MESSAGE_FILE_BYTES = 1024 * 1024;

async function parseFile(
  request: ParseRequest,
  file: string,
  stats: ParseStats,
  io: CommandIo,
  stdout: { closed: boolean },
): Promise<void> {
  const context: ObjectContext = {
    bucket: "local",
    key: request.key ?? basename(file),
    options: request.options,
    stats,
    type: request.type,
  };
  if (request.service.objectFormat) {
    for await (const batch of readObject(request.service, createReadStream(file), context)) {
      await write(io.stdout, eventLines(batch, stats), stdout);
    }
    return;
  }
  const size = (await stat(file)).size;
  if (size > MAX_MESSAGE_FILE_BYTES) {
    throw new Error(`${size} bytes is larger than a queue message can be (${MAX_MESSAGE_FILE_BYTES})`);
  }
  const body = await readFile(file, "utf8");
  await write(io.stdout, eventLines(readInlineEvents(request.service, body, context), stats), stdout);
}

function describeCounts(counts: Record<string, number> | undefined): string {
  const entries = Object.entries(counts ?? {});
  return entries.map(([reason, count]) => `${reason}: ${count}`).join(", ");
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

function summaryLine(file: string, stats: ParseStats & { binary?: number }, service: string): string {
  let line = `${file}: ${plural(stats.events, "event")}`;
  if (stats.skipped > 0) line += `, ${stats.skipped} skipped (${describeCounts(stats.skipReasons)})`;
  const ignored = describeCounts(stats.ignored);
  if (ignored) line += `, not events: ${ignored}`;
  if ((stats.binary ?? 0) > 0) {
    line += `; WARNING: this does not look like ${service} data: ${plural(stats.binary ?? 0, "event")} of ${stats.events} hold binary bytes (not text, or compressed in a format the worker does not read)`;
  }
  return line;
}

/** `aws-devo-collector parse`: returns the exit code. */
export async function runParseCommand(argv: string[], io: CommandIo): Promise<number> {
  let request: ParseRequest | "help";
  try {
    request = parseRequest(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`aws-devo-collector parse: ${error.message}\n\n${PARSE_USAGE}`);
    return 2;
  }
  if (request === "help") {
    io.stdout.write(PARSE_USAGE);
    return 0;
  }
  let failed = 0;
  const total = newParseStats();
  const stdout = watchStdout(io.stdout);
  for (const file of request.files) {
    const stats = newParseStats();
    try {
      await parseFile(request, file, stats, io, stdout);
      io.stderr.write(`${summaryLine(file, stats, request.service.name)}\n`);
    } catch (error) {
      if (error instanceof StdoutClosed) {
        io.stderr.write(`${file}: stopped after ${plural(stats.events, "event")}: standard output was closed\n`);
        return 0;
      }
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      io.stderr.write(
        `${summaryLine(file, stats, request.service.name)}; FAILED: cannot read ${file} as ${request.service.name}: ${message}\n`,
      );
    }
    total.events += stats.events;
    total.skipped += stats.skipped;
  }
  if (request.files.length > 1) {
    io.stderr.write(
      `total: ${plural(request.files.length, "file")}, ${failed} failed, ${plural(total.events, "event")}, ${total.skipped} skipped\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}
