import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { it } from "node:test";
import {
  type CallGraph,
  callsTo,
  gcInstructions,
  isGcFunction,
  majorGcs,
  readCallGraph,
} from "../../scripts/bench/callgrind-calls.ts";
import { tempDir } from "../helpers/temp-dir.ts";

// Callgrind's format (valgrind's "Callgrind Format Specification"): a name is given once with its id, then the id
// alone; `cfn=` names the callee of the `calls=` line after it, and the cost line after that is the inclusive cost
// of those calls; `fn=` starts the costs of another function. Here a main thread collects garbage once (the
// collector calls a visitor, which calls back into the scavenger, memcpy and a mark-compact with a lambda inside),
// compiles with Maglev (a pass named "…MarkingProcessor"), a job thread marks concurrently, and a GC function that
// nothing calls calls the mark-compact twice. Each inclusive cost is its function's own plus its callees'.
const OUT = `# callgrind format
version: 1
events: Ir
fn=(1) main
0 100
cfn=(2) v8::internal::Heap::CollectGarbage(v8::internal::AllocationSpace)
calls=3 0
0 1000
cfn=(3) v8::internal::maglev::GraphProcessor<v8::internal::maglev::DecompressedUseMarkingProcessor>::ProcessGraph()
calls=1 0
0 300
fn=(2)
0 100
cfn=(4) void v8::internal::BodyDescriptorBase::IteratePointers<v8::internal::ScavengeVisitor>(int)
calls=5 0
0 700
cfn=(5) __memcpy_avx_unaligned_erms
calls=4 0
0 100
cfn=(10) v8::internal::MarkCompactCollector::CollectGarbage()
calls=1 0
0 100
fn=(4)
0 650
cfn=(6) heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(int)
calls=9 0
0 50
fn=(6)
0 50
fn=(5)
0 100
fn=(3)
0 300
fn=(10)
0 240
cfn=(11) v8::internal::MarkCompactCollector::CollectGarbage()::{lambda(int)#1}::operator()(int) const
calls=7 0
0 60
fn=(11)
0 60
fn=(12) v8::internal::Heap::PerformGarbageCollection(v8::internal::GarbageCollector)
0 5
cfn=(10)
calls=2 0
0 200
fn=(7) v8::platform::DefaultJobWorker::Run()
0 1
cfn=(8) v8::internal::ConcurrentMarking::JobTaskMajor::Run(v8::JobDelegate*)
calls=1 0
0 400
fn=(8)
0 400
`;

async function fixture(): Promise<CallGraph> {
  const file = join(tempDir("callgrind-"), "callgrind.out");
  await writeFile(file, OUT);
  return readCallGraph(file);
}

it("counts the calls of one function by its compressed id, not of lambdas within it", async () => {
  const graph = await fixture();
  assert.equal(majorGcs(graph), 3);
  assert.equal(callsTo(graph, "v8::internal::Heap::PerformGarbageCollection"), 0);
  assert.equal(callsTo(graph, "nothing"), 0);
});

it("counts V8's GC once per entry into it, on every thread, with what it calls, and not V8's compilers", async () => {
  // Every function's own instructions once: 100 + 100 + 650 + 50 + 100 + 300 + 240 + 60 + 5 + 1 + 400.
  // The GC: main's collection (1,000, with its visitor, scavenger, memcpy and mark-compact) and the marking job
  // (400); the calls between GC functions are inside those already.
  assert.deepEqual(gcInstructions(await fixture()), { total: 2006, gc: 1400 });
});

it("tells V8's collectors and their visitors from its compilers and the rest", () => {
  for (const name of [
    "v8::internal::Heap::CollectGarbage(v8::internal::AllocationSpace, v8::internal::GarbageCollectionReason)",
    "v8::internal::HeapAllocator::AllocateRawWithRetryOrFailSlowPath(int)",
    "v8::internal::Sweeper::MajorSweeperJob::Run(v8::JobDelegate*)",
    "v8::internal::IncrementalMarkingJob::Task::RunInternal()",
    "void v8::internal::BodyDescriptorBase::IteratePointers<v8::internal::IterateAndScavengePromotedObjectsVisitor>(int)",
    "cppgc::internal::MarkerBase::EnterAtomicPause(cppgc::EmbedderStackState)",
  ])
    assert.equal(isGcFunction(name), true, name);
  for (const name of [
    "v8::internal::compiler::GraphReducer::Reduce(v8::internal::compiler::Node*)",
    "v8::internal::maglev::GraphProcessor<v8::internal::maglev::DecompressedUseMarkingProcessor>::ProcessGraph()",
    "v8::internal::Factory::AllocateRaw(int, v8::internal::AllocationType, v8::internal::AllocationAlignment)",
    "v8::internal::JsonStringifier::SerializeString<false>(v8::internal::Handle<v8::internal::String>)",
    "__memcpy_avx_unaligned_erms",
  ])
    assert.equal(isGcFunction(name), false, name);
});
