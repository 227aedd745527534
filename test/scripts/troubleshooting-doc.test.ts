import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, test } from "node:test";
import { root } from "./monitoring-helpers.ts";

const DOC = join(root, "docs/troubleshooting.md");
const text = readFileSync(DOC, "utf8");
/** The page without its fenced blocks (commands, and AWS's own messages shown whole). */
const prose = text.replace(/^```[\s\S]*?^```/gm, "");

function sources(dir: string): string {
  let all = "";
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) all += sources(path);
    else if (entry.name.endsWith(".ts")) all += `${readFileSync(path, "utf8")}\n`;
  }
  return all;
}

/** OpenSSL's own reason texts the page quotes (the worker passes them through). */
const NOT_OURS = ["ee key too small", "ca md too weak"];

/**
 * The messages the page quotes: inline code of three words or more that is not a command. Each is split at its
 * placeholders (`<path>`, `…`), and every fragment long enough to mean something must occur in worker/.
 */
function quotedMessages(): string[] {
  return [...prose.matchAll(/`([^`\n]+)`/g)]
    .map((m) => m[1])
    .filter((span) => span.trim().split(/\s+/).length >= 3)
    .filter((span) => !/^(aws|npx|openssl|node) /.test(span));
}

describe("docs/troubleshooting.md", () => {
  const code = sources(join(root, "worker"));

  test("quotes only messages the worker really produces", () => {
    const quoted = quotedMessages();
    assert.ok(quoted.length >= 15, `only ${quoted.length} messages found`);
    const missing: string[] = [];
    for (const message of quoted) {
      if (NOT_OURS.includes(message)) continue;
      const fragments = message
        .split(/<[^>]*>|…|\[[^\]]*\]/)
        .map((fragment) => fragment.replace(/^[\s:;,.()]+|[\s:;,.(]+$/g, ""))
        .filter((fragment) => fragment.length >= 12);
      for (const fragment of fragments) if (!code.includes(fragment)) missing.push(`${fragment}  (in: ${message})`);
    }
    assert.deepEqual(missing, [], "quoted on the page but found nowhere in worker/");
  });

  test("its links to files and sections resolve", () => {
    const broken: string[] = [];
    for (const [, target] of prose.matchAll(/\]\(([^)]+)\)/g)) {
      if (/^https?:/.test(target)) continue;
      const [file, anchor] = target.split("#");
      const path = file === "" ? DOC : resolve(dirname(DOC), file);
      if (!existsSync(path)) {
        broken.push(target);
        continue;
      }
      if (anchor === undefined) continue;
      const headings = [...readFileSync(path, "utf8").matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]
          .toLowerCase()
          .replace(/[^\w\- ]/g, "")
          .replace(/ /g, "-"),
      );
      if (!headings.includes(anchor)) broken.push(target);
    }
    assert.deepEqual(broken, []);
  });

  test("names the policy statements that exist", () => {
    const policies = sources(join(root, "policies"));
    for (const [, sid] of prose.matchAll(/\*\*`([A-Z][A-Za-z]+)`\*\*/g)) {
      assert.ok(policies.includes(`Sid: "${sid}"`), `statement ${sid} is not in policies/`);
    }
  });

  test("covers the issue's topics, with `check` first", () => {
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.match(headings[0], /aws-devo-collector check/);
    for (const topic of [
      /Exit codes/,
      /AccessDenied on SQS/,
      /AccessDenied on S3/,
      /AssumeRole/,
      /KMS/,
      /TLS/,
      /redrive/,
    ]) {
      assert.ok(
        headings.some((h) => topic.test(h)),
        `no section for ${topic}`,
      );
    }
    for (const word of ["sec_level", "check_hostname", "server_name", "start-message-move-task", "receive-message"]) {
      assert.ok(text.includes(word), `${word} is not explained`);
    }
  });
});
