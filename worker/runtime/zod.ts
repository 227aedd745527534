import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/**
 * zod for every schema of the worker, as `import * as z from "../runtime/zod.ts"`; never "zod" or "zod/mini" directly.
 *
 * `zod/mini` has the same parsing engine as `zod` (classic) without its method-chaining API: classic's methods stay
 * in the heap for the life of the process (about 1.8 MB), and its `z` object holds every part of zod, so the bundle
 * carried all of it (0.6 MB, half of it the messages of every language). Imported as a namespace (`import * as z`),
 * the bundle keeps only the functions the schemas call: 0.06 MB.
 *
 * Classic installs the English messages when it is imported; mini installs none, and every issue without a message
 * of its own would read "Invalid input". The worker prints those messages (worker/config/load-config.ts), so English
 * is installed here: a module that imports zod from here cannot build or parse a schema before it is set. Only `en`
 * is imported, as `z.locales` would bring every language back. (Classic also installs a memoizer, which only
 * recursive schemas use — `z.lazy`, getters — and which takes itself out of any other; the worker has none.)
 */
config(en());

export * from "zod/mini";
