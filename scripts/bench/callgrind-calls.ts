import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/** One caller → callee pair of a callgrind run: how often it was called and what those calls cost in all. */
interface CallEdge {
  caller: string;
  callee: string;
  calls: number;
  /** Instructions of the calls, everything they called included. */
  inclusive: number;
}

export interface CallGraph {
  /** Function names by callgrind's compressed id. */
  names: Map<string, string>;
  edges: Map<string, CallEdge>;
  /** Every instruction of the run, counted once (each function's own). */
  total: number;
}

/**
 * Reads a callgrind output file (valgrind's "Callgrind Format Specification"). Callgrind writes each function's
 * name once, at its first `fn=(id) name` or `cfn=(id) name`, and `(id)` alone after that; `fn=` starts the costs of
 * a function, `cfn=` names the callee of the `calls=<count> …` line after it, and the cost line after that is the
 * inclusive cost of those calls; any other cost line is the function's own.
 */
export async function readCallGraph(outFile: string): Promise<CallGraph> {
  const names = new Map<string, string>();
  const edges = new Map<string, CallEdge>();
  let total = 0;
  let fn = "";
  let callee: string | undefined;
  let pendingCalls: number | undefined;
  for await (const line of createInterface({ input: createReadStream(outFile), crlfDelay: Number.POSITIVE_INFINITY })) {
    const named = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (named) {
      if (named[2] !== undefined) names.set(named[1], named[2]);
      if (line.startsWith("cfn=")) callee = named[1];
      else {
        fn = named[1];
        callee = undefined;
      }
      pendingCalls = undefined;
      continue;
    }
    if (line.startsWith("calls=") && callee !== undefined) {
      pendingCalls = Number.parseInt(line.slice(6), 10);
      continue;
    }
    if (!/^[\d+\-*]/.test(line)) continue;
    // A cost line: positions, then the one event counted (Ir).
    const cost = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (pendingCalls !== undefined && callee !== undefined) {
      const key = `${fn}>${callee}`;
      const edge = edges.get(key) ?? { caller: fn, callee, calls: 0, inclusive: 0 };
      edge.calls += pendingCalls;
      edge.inclusive += cost;
      edges.set(key, edge);
      pendingCalls = undefined;
      callee = undefined;
    } else total += cost;
  }
  return { names, edges, total };
}

/**
 * How many times a callgrind run called the function `name` (as callgrind names it; the function itself, not a
 * lambda within it such as `…CollectGarbage()::{lambda…}`).
 */
export function callsTo(graph: CallGraph, name: string): number {
  let calls = 0;
  for (const edge of graph.edges.values()) {
    const callee = graph.names.get(edge.callee);
    if (callee?.startsWith(name) && !callee.startsWith("::", name.length)) calls += edge.calls;
  }
  return calls;
}

/** V8's full (mark-compact) collections in a callgrind run of node. */
export function majorGcs(graph: CallGraph): number {
  return callsTo(graph, "v8::internal::MarkCompactCollector::CollectGarbage()");
}

/**
 * V8's heap management by name: the heap and its allocation slow paths, the collectors (scavenger, mark-compact,
 * incremental and concurrent marking, sweeping, evacuation, remembered sets) and the visitors they instantiate
 * (`IteratePointers<…ScavengeVisitor>`), and cppgc's. V8's compilers are left out: their passes have names such as
 * `…MarkingProcessor` that are not the GC's.
 */
const GC_FUNCTION =
  /v8::internal::(Heap::|HeapAllocator::|MemoryReducer|GCTracer|LocalHeap::CollectGarbage)|heap::base::|cppgc::|Scaveng|Marking|MarkCompact|MinorMarkSweep|Evacuat|Sweep|RememberedSet|PointersUpdating|RecordMigratedSlot/;
const COMPILER_FUNCTION = /compiler::|maglev::|turboshaft::|baseline::|wasm::/;

export function isGcFunction(name: string): boolean {
  return GC_FUNCTION.test(name) && !COMPILER_FUNCTION.test(name);
}

/**
 * Instructions of a callgrind run spent in V8's garbage collector (and the heap's allocation slow paths, which is
 * where a collection starts), on every thread: the inclusive cost of each call that enters a GC function from one
 * that is not. What a collection calls (memmove, the embedder's weak callbacks) is counted with it.
 */
export function gcInstructions(graph: CallGraph): { total: number; gc: number } {
  const gc = new Map<string, boolean>();
  const isGc = (id: string) => {
    let known = gc.get(id);
    if (known === undefined) {
      known = isGcFunction(graph.names.get(id) ?? "");
      gc.set(id, known);
    }
    return known;
  };
  let inGc = 0;
  for (const edge of graph.edges.values()) if (isGc(edge.callee) && !isGc(edge.caller)) inGc += edge.inclusive;
  return { total: graph.total, gc: inGc };
}
