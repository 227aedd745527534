import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A full garbage collection on demand, without starting the runtime with `--expose-gc`: the flag is set at run
 * time and `gc` is taken from a fresh context, where V8 installs it. Works under Node and Deno alike.
 */
export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
