import assert from "node:assert/strict";
import { describe, it } from "node:test";
import vm from "node:vm";
import { constantsAsConst, withInsertedLine } from "../../scripts/bundle-constants.ts";

// Shapes esbuild writes: a module's top-level declarations as one `var` statement, and a module reached from a
// dynamic import() with its constants assigned in its lazy initializer (`__esm`).
const BUNDLE = [
  "#!/usr/bin/env node",
  "var A=1,B=f(),C=2*3,K=-4;var D=4;function g(E){return E+D}var E=7;function setD(){D=5}",
  'var F,G;var init_x=__esm({"x"(){F=34,G=h(),L=1<<3}});var H=8,I=9;function bump(){H++;[I]=[10]}',
  "var L;var M=5;M+=1;var N=0x10;",
  "init_x();bump();",
].join("\n");
const READ = "[A,B,C,K,D,g(1),E,F,G,H,I,L,M,N]";

function evaluate(code: string): unknown {
  const context = vm.createContext({
    f: () => "f",
    h: () => "h",
    __esm: (definition: Record<string, () => void>) => () => Object.values(definition)[0](),
  });
  return JSON.parse(vm.runInContext(`${code}\nJSON.stringify(${READ})`, context));
}

describe("constantsAsConst", () => {
  const { code, moved } = constantsAsConst(BUNDLE);

  it("moves numbers written once, and nothing written twice, shadowed or computed", () => {
    assert.deepEqual(moved.sort(), ["A", "C", "F", "K", "L", "N"]);
    assert.equal(code.split("\n")[1], "const A=1,C=2*3,K=-4,F=34,L=1<<3,N=0x10;");
  });

  it("leaves a program that computes what it did", () => {
    assert.deepEqual(evaluate(code), evaluate(BUNDLE));
  });

  it("keeps every other line as long as it was, so that the source map needs only the inserted line", () => {
    const before = BUNDLE.split("\n");
    const after = code.split("\n");
    assert.equal(after.length, before.length + 1);
    assert.equal(after[0], before[0]);
    for (let i = 1; i < before.length; i++) assert.equal(after[i + 1].length, before[i].length, before[i]);
    assert.match(after[3], /^var {3}G;var init_x=__esm\(\{"x"\(\)\{34 {2},G=h\(\),1<<3 {2}\}\}\);/);
  });

  it("inserts that line in the source map", () => {
    const map = { version: 3, sources: ["a.ts"], names: [], mappings: "AAAA;AACA,CAAC;AAEA" };
    assert.equal(JSON.parse(withInsertedLine(JSON.stringify(map))).mappings, "AAAA;;AACA,CAAC;AAEA");
  });

  it("changes nothing without a numeric var", () => {
    assert.deepEqual(constantsAsConst("#!x\nlet a=1;var b=f();\n"), { code: "#!x\nlet a=1;var b=f();\n", moved: [] });
  });
});
