/**
 * `npm run build`: the worker as one self-contained ES module, `dist/aws-devo-collector.mjs`, that runs with
 * `node` 24 and `deno run -A` unchanged, so the image and the EC2 install need no node_modules.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { RUNTIME_V8_FLAGS } from "../worker/cli/runtime-flags.ts";
import { http, UNDICI_BACKED_HTTP_EXPORTS } from "../worker/runtime/node-http.ts";
import { constantsAsConst, withInsertedLine } from "./bundle-constants.ts";

const root = resolve(fileURLToPath(import.meta.url), "../..");
export const BUNDLE_PATH = resolve(root, "dist/aws-devo-collector.mjs");

/**
 * How the bundle is meant to be started: `node <these> aws-devo-collector.mjs …` (the Dockerfile's ENTRYPOINT and
 * the systemd unit use them; Deno takes `DENO_V8_FLAGS` of worker/cli/runtime-flags.ts in `--v8-flags`). Started without them
 * under Node, the worker's `run` restarts itself with them (worker/cli/runtime-flags.ts, where the figures are).
 */
export const RUNTIME_NODE_ARGS = RUNTIME_V8_FLAGS;

/**
 * Some dependencies of the AWS SDK and pino call `require` (and read `__filename`/`__dirname`), which an ES
 * module does not have. Node and Deno both implement `node:module`'s `createRequire`, so the banner gives the
 * bundle the CommonJS globals it needs, under names that cannot clash with the bundled code's own.
 */
const COMMONJS_SHIM = [
  'import { createRequire as __bundleCreateRequire } from "node:module";',
  'import { fileURLToPath as __bundleFileURLToPath } from "node:url";',
  'import { dirname as __bundleDirname } from "node:path";',
  "const require = __bundleCreateRequire(import.meta.url);",
  "const __filename = __bundleFileURLToPath(import.meta.url);",
  "const __dirname = __bundleDirname(__filename);",
].join("\n");

/**
 * The CLI loads each command with a dynamic `import()`. A command whose file does not exist yet (the tree is
 * built by several people at once) must not stop the other commands from shipping: such an import becomes a
 * module that fails with a clear message when that command is run, and the build reports it as a warning.
 * Static imports that do not resolve still fail the build.
 */
const missingCommandModules: Plugin = {
  name: "missing-command-modules",
  setup(context) {
    context.onResolve({ filter: /^\.\/cli\/[\w-]+-command\.ts$/ }, async (args) => {
      if (args.kind !== "dynamic-import" || args.pluginData === "retry") return undefined;
      const resolved = await context.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: "retry",
      });
      if (resolved.errors.length === 0) return resolved;
      return {
        path: args.path,
        namespace: "missing-command",
        warnings: [{ text: `${args.path} does not exist: that command fails at run time in this bundle` }],
      };
    });
    context.onLoad({ filter: /.*/, namespace: "missing-command" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`this build does not contain ${args.path}: rebuild from a tree that has it`)});`,
      loader: "js",
    }));
  },
};

const NODE_HTTP_MODULE = resolve(root, "worker/runtime/node-http.ts");

/**
 * The bundled packages' `import … from "node:http"` (the AWS SDK's HTTP handler) would load undici at start-up, as
 * the worker's own would (worker/runtime/node-http.ts): a bundle's imports of built-ins all run when it starts,
 * whether the code behind them is ever used or not. They get `node:http` through that module instead, with every
 * export but the undici-backed ones. A package that imports one of those fails the build ("No matching export").
 */
const httpThroughRequire: Plugin = {
  name: "http-through-require",
  setup(context) {
    context.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.kind === "import-statement" || args.kind === "dynamic-import"
        ? { path: "node:http", namespace: "http-through-require" }
        : undefined,
    );
    context.onLoad({ filter: /.*/, namespace: "http-through-require" }, () => {
      const names = Object.keys(http).filter((name) => !UNDICI_BACKED_HTTP_EXPORTS.includes(name));
      return {
        contents: [
          `import { http } from ${JSON.stringify(NODE_HTTP_MODULE)};`,
          "export default http;",
          `export const { ${names.join(", ")} } = http;`,
        ].join("\n"),
        loader: "js",
        resolveDir: root,
      };
    });
  },
};

/**
 * V8 keeps a script's source as one-byte text only if every character of it is Latin-1; one "—" in a comment and
 * the whole 3 MB bundle took two bytes a character. esbuild escapes non-ASCII in strings (its default `charset`)
 * and `minifyWhitespace` drops the comments, so the bundle must be ASCII; this says where it is not.
 */
function assertAscii(text: string, file: string): void {
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) {
    throw new Error(
      `${file}: non-ASCII character ${JSON.stringify(text[at])} at offset ${at} (…${text.slice(Math.max(0, at - 60), at + 20)}…): ` +
        "V8 would hold the whole bundle as two-byte text",
    );
  }
}

/** `node_modules/@aws-sdk/client-sqs/dist-es/x.js` → `node_modules/@aws-sdk/client-sqs` (the innermost package). */
function packageDirOf(input: string): string | undefined {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

interface BundledPackage {
  name: string;
  version: string;
  license: string;
  licenseText?: string;
}

/**
 * The packages whose code is inside the bundle, with their licences. Shipping a bundle is distributing those
 * packages, so their licence texts go beside it; and copyleft code must never be inside it (the AGPL IAM
 * simulator is a test-only dependency: a stray import from worker code would fail the build here).
 */
async function bundledPackages(inputs: string[]): Promise<BundledPackage[]> {
  const dirs = [...new Set(inputs.map(packageDirOf).filter((dir) => dir !== undefined))].sort();
  const packages: BundledPackage[] = [];
  for (const dir of dirs) {
    const manifest = JSON.parse(await readFile(resolve(root, dir, "package.json"), "utf8")) as {
      name?: string;
      version?: string;
      license?: string;
    };
    const licenseFile = (await readdir(resolve(root, dir))).find((file) => /^(licen[cs]e|copying|notice)/i.test(file));
    packages.push({
      name: manifest.name ?? dir,
      version: manifest.version ?? "?",
      license: manifest.license ?? "UNKNOWN",
      licenseText: licenseFile === undefined ? undefined : await readFile(resolve(root, dir, licenseFile), "utf8"),
    });
  }
  return packages;
}

function licensesText(packages: BundledPackage[]): string {
  const header = `Third-party software bundled in aws-devo-collector.mjs (${packages.length} packages)\n`;
  const sections = packages.map(
    (p) =>
      `${"=".repeat(78)}\n${p.name}@${p.version} — ${p.license}\n\n${p.licenseText?.trim() ?? "(no licence file in the package)"}\n`,
  );
  return `${header}\n${sections.join("\n")}`;
}

export async function buildBundle(
  outfile = BUNDLE_PATH,
): Promise<{ path: string; bytes: number; warnings: string[]; packages: BundledPackage[]; licensesPath: string }> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [resolve(root, "worker/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // The entry's shebang is kept by esbuild; the banner follows it.
    banner: { js: COMMONJS_SHIM },
    // Prefer the ES module builds of dual packages (the AWS SDK ships both).
    mainFields: ["module", "main"],
    legalComments: "linked",
    sourcemap: "linked",
    minifySyntax: true,
    // Comments out (the bundle stays ASCII, see assertAscii) and about a quarter less to parse at start-up. Names
    // are kept, so stack traces still say which function; the linked source map gives the lines.
    minifyWhitespace: true,
    logLevel: "silent",
    plugins: [missingCommandModules, httpThroughRequire],
    metafile: true,
  });
  const packages = await bundledPackages(Object.keys(result.metafile.inputs));
  const copyleft = packages.filter((p) => /GPL/i.test(p.license));
  if (copyleft.length > 0) {
    throw new Error(
      `copyleft code in the bundle: ${copyleft.map((p) => `${p.name} (${p.license})`).join(", ")}; ` +
        "it must stay a test-only dependency — find the worker import that pulls it in",
    );
  }
  // esbuild's top-level `var`s back to `const` where they are numbers (see bundle-constants.ts); the map gains the line.
  // After the shebang and the banner, so that the bundle still opens with the shim.
  const afterLine = 1 + COMMONJS_SHIM.split("\n").length;
  const constants = constantsAsConst(await readFile(outfile, "utf8"), afterLine);
  await writeFile(outfile, constants.code);
  await writeFile(`${outfile}.map`, withInsertedLine(await readFile(`${outfile}.map`, "utf8"), afterLine));
  assertAscii(constants.code, outfile);
  const licensesPath = join(dirname(outfile), "THIRD-PARTY-LICENSES.txt");
  await writeFile(licensesPath, licensesText(packages));
  const { size } = await stat(outfile);
  return {
    path: outfile,
    bytes: size,
    warnings: result.warnings.map((warning) => warning.text),
    packages,
    licensesPath,
  };
}

if (import.meta.main) {
  buildBundle().then(
    ({ path, bytes, warnings, packages, licensesPath }) => {
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(`${path}: ${(bytes / 1024 / 1024).toFixed(2)} MiB (${bytes} bytes)\n`);
      process.stdout.write(`${licensesPath}: licences of the ${packages.length} bundled packages\n`);
      process.stdout.write(`run it with: node ${RUNTIME_NODE_ARGS.join(" ")} ${path} run --config FILE\n`);
    },
    (error: Error) => {
      process.stderr.write(`build failed: ${error.message}\n`);
      process.exit(1);
    },
  );
}
