import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/**
 * How many times a callgrind run called the function `name` (as callgrind names it), read from its output file.
 * Callgrind writes each function's name once, at its first `fn=(id) name` or `cfn=(id) name`, and `(id)` alone
 * after that; each `cfn=` (a call from the function being described) is followed by `calls=<count> …`.
 */
export async function callsTo(outFile: string, name: string): Promise<number> {
  const matching = new Set<string>();
  let callee: string | undefined;
  let calls = 0;
  for await (const line of createInterface({ input: createReadStream(outFile), crlfDelay: Number.POSITIVE_INFINITY })) {
    const named = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (named) {
      // The function itself, not a lambda within it (`…CollectGarbage()::{lambda…}`).
      const fn = named[2];
      if (fn?.startsWith(name) && !fn.startsWith("::", name.length)) matching.add(named[1]);
      callee = line.startsWith("cfn=") ? named[1] : undefined;
    } else if (callee !== undefined && line.startsWith("calls=")) {
      if (matching.has(callee)) calls += Number.parseInt(line.slice(6), 10);
      callee = undefined;
    }
  }
  return calls;
}

/** V8's full (mark-compact) collections in a callgrind run of node. */
export function majorGcs(outFile: string): Promise<number> {
  return callsTo(outFile, "v8::internal::MarkCompactCollector::CollectGarbage()");
}
