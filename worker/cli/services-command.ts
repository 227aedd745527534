import { parseArgs } from "node:util";
import { SERVICES } from "../services/catalog.ts";
import type { CommandIo } from "./command-io.ts";

export const SERVICES_USAGE = `Usage: aws-devo-collector services [--json]

Lists every collection service (Devo's names): input type, source, framing and Devo table.
  --json      print an array of {name, input, source, framing, table}
  -h, --help  this text
`;

/** `aws-devo-collector services`: returns the exit code. */
export async function runServicesCommand(argv: string[], io: CommandIo): Promise<number> {
  let values: { json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    io.stderr.write(`aws-devo-collector services: ${(error as Error).message}\n\n${SERVICES_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(SERVICES_USAGE);
    return 0;
  }
  const rows = SERVICES.map(({ name, input, source, framing, table }) => ({ name, input, source, framing, table }));
  if (values.json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const header = { name: "SERVICE", input: "INPUT", source: "SOURCE", framing: "FRAMING", table: "DEVO TABLE" };
  const all = [header, ...rows];
  const width = (column: keyof typeof header) => Math.max(...all.map((row) => row[column].length));
  const columns = ["name", "input", "source", "framing"] as const;
  const widths = columns.map(width);
  let text = "";
  for (const row of all) {
    text += `${columns.map((column, i) => row[column].padEnd(widths[i])).join("  ")}  ${row.table}\n`;
  }
  io.stdout.write(text);
  return 0;
}
