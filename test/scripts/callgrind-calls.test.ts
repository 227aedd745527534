import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { it } from "node:test";
import { callsTo, majorGcs } from "../../scripts/bench/callgrind-calls.ts";
import { tempDir } from "../helpers/temp-dir.ts";

// Callgrind's format (valgrind's "Callgrind Format Specification"): a name is given once with its id, then the id
// alone; `cfn=` names the callee of the `calls=` line after it; `fn=` starts the costs of another function.
const OUT = `# callgrind format
version: 1
events: Ir
fn=(1) main
0 10
cfn=(2) v8::internal::MarkCompactCollector::CollectGarbage()
calls=1 0
0 500
cfn=(3) v8::internal::MarkCompactCollector::CollectGarbage()::{lambda(int)#1}::operator()(int) const
calls=7 0
0 20
fn=(4) v8::internal::Heap::PerformGarbageCollection(v8::internal::GarbageCollector)
0 5
cfn=(2)
calls=2 0
0 900
fn=(2)
0 1400
`;

it("counts the calls of one function by its compressed id, not of lambdas within it", async () => {
  const file = join(tempDir("callgrind-"), "callgrind.out");
  await writeFile(file, OUT);
  assert.equal(await majorGcs(file), 3);
  assert.equal(await callsTo(file, "v8::internal::Heap::PerformGarbageCollection"), 0);
  assert.equal(await callsTo(file, "nothing"), 0);
});
