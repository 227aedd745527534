import type * as NodeHttp from "node:http";
import { createRequire } from "node:module";

/**
 * `node:http`, loaded with `require`. Imported as an ES module, Node 24 reads every export of it to build the
 * module's namespace, and three of them (`WebSocket`, `CloseEvent`, `MessageEvent`) are getters that load undici,
 * Node's fetch, which the worker never uses: 0.8 MB of source to compile at start-up and more heap for as long as
 * the worker runs (docs/performance.md). `require` reads no export it is not asked for. The bundle maps its
 * packages' own imports of `node:http` to this module too (scripts/build.ts).
 */
const requireBuiltin = createRequire(import.meta.url);

export const http = requireBuiltin("node:http") as typeof NodeHttp;

/** The exports of `node:http` that load undici when read. */
export const UNDICI_BACKED_HTTP_EXPORTS: readonly string[] = ["WebSocket", "CloseEvent", "MessageEvent"];
