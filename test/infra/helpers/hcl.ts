/**
 * A small, strict reader of the HCL that cdktf emits: the native-syntax files of `SYNTH_HCL_OUTPUT=true` and the
 * `${...}` expressions inside `cdk.tf.json` strings. It parses the subset cdktf produces (blocks, attributes,
 * string templates, numbers, booleans, null, tuples, objects, traversals with indexes, function calls) and
 * rejects anything else, so a malformed policy attribute fails the test that reads it. It also evaluates
 * expressions with a resolver for references, which is how tests get real policy documents out of a synth.
 */

export type HclExpression =
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "template"; parts: (string | HclExpression)[] }
  | { kind: "tuple"; items: HclExpression[] }
  | { kind: "object"; entries: { key: string; value: HclExpression }[] }
  | { kind: "traversal"; path: string }
  | { kind: "call"; name: string; args: HclExpression[] };

export interface HclAttribute {
  kind: "attribute";
  name: string;
  value: HclExpression;
  line: number;
}
export interface HclBlock {
  kind: "block";
  type: string;
  labels: string[];
  body: (HclAttribute | HclBlock)[];
  line: number;
}

export class HclSyntaxError extends Error {
  constructor(message: string, text: string, position: number) {
    const line = text.slice(0, position).split("\n").length;
    const lineText = text.split("\n")[line - 1] ?? "";
    super(`${message} at line ${line}: ${lineText.slice(0, 200)}`);
    this.name = "HclSyntaxError";
  }
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;

class Parser {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  fail(message: string): never {
    throw new HclSyntaxError(message, this.text, this.pos);
  }

  peek(): string {
    return this.text[this.pos] ?? "";
  }

  /** Skips spaces, tabs and comments; newlines too when `newlines` (inside brackets they carry no meaning). */
  skip(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) {
        this.pos++;
      } else if (c === "#" || (c === "/" && this.text[this.pos + 1] === "/")) {
        while (this.pos < this.text.length && this.peek() !== "\n") this.pos++;
      } else if (c === "/" && this.text[this.pos + 1] === "*") {
        const end = this.text.indexOf("*/", this.pos + 2);
        if (end < 0) this.fail("unterminated comment");
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  expect(c: string): void {
    if (this.peek() !== c)
      this.fail(`expected ${JSON.stringify(c)} but found ${JSON.stringify(this.peek() || "end of input")}`);
    this.pos++;
  }

  identifier(): string {
    if (!IDENT_START.test(this.peek())) this.fail(`expected an identifier but found ${JSON.stringify(this.peek())}`);
    const start = this.pos;
    while (IDENT_PART.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /**
   * A template: literal text and `${...}` interpolations; `$${` is a literal `${`. Quoted (native syntax) it ends
   * at the closing quote and understands escapes; unquoted (a JSON string's content) it runs to the end.
   */
  template(quoted = true): HclExpression {
    if (quoted) this.expect('"');
    const parts: (string | HclExpression)[] = [];
    let literal = "";
    for (;;) {
      const c = this.peek();
      if (c === "") {
        if (quoted) this.fail("unterminated string");
        break;
      }
      if (quoted && c === "\n") this.fail("newline inside a quoted string");
      if (quoted && c === '"') {
        this.pos++;
        break;
      }
      if (quoted && c === "\\") {
        const e = this.text[this.pos + 1];
        const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
        if (e in simple) {
          literal += simple[e];
          this.pos += 2;
        } else if (e === "u") {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail("bad \\u escape");
          literal += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 6;
        } else {
          this.fail(`unknown escape \\${e}`);
        }
        continue;
      }
      if ((c === "$" || c === "%") && this.text[this.pos + 1] === c && this.text[this.pos + 2] === "{") {
        literal += `${c}{`;
        this.pos += 3;
        continue;
      }
      if (c === "%" && this.text[this.pos + 1] === "{")
        this.fail("template directives are not expected in cdktf output");
      if (c === "$" && this.text[this.pos + 1] === "{") {
        if (literal !== "") parts.push(literal);
        literal = "";
        this.pos += 2;
        this.skip(true);
        parts.push(this.expression());
        this.skip(true);
        this.expect("}");
        continue;
      }
      literal += c;
      this.pos++;
    }
    if (literal !== "" || parts.length === 0) parts.push(literal);
    return { kind: "template", parts };
  }

  number(): HclExpression {
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (match === null) this.fail("expected a number");
    this.pos += match[0].length;
    return { kind: "literal", value: Number(match[0]) };
  }

  expression(): HclExpression {
    this.skip(false);
    const c = this.peek();
    let result: HclExpression;
    if (c === '"') {
      result = this.template();
    } else if (c === "[") {
      this.pos++;
      const items: HclExpression[] = [];
      this.skip(true);
      while (this.peek() !== "]") {
        items.push(this.expression());
        this.skip(true);
        if (this.peek() === ",") {
          this.pos++;
          this.skip(true);
        } else if (this.peek() !== "]") {
          this.fail("expected ',' or ']' in a tuple");
        }
      }
      this.pos++;
      result = { kind: "tuple", items };
    } else if (c === "{") {
      this.pos++;
      const entries: { key: string; value: HclExpression }[] = [];
      this.skip(true);
      while (this.peek() !== "}") {
        let key: string;
        if (this.peek() === '"') {
          const k = this.template();
          if (k.kind !== "template" || k.parts.some((p) => typeof p !== "string"))
            this.fail("object keys must be literal");
          key = (k.parts as string[]).join("");
        } else {
          key = this.identifier();
        }
        this.skip(false);
        if (this.peek() !== "=" && this.peek() !== ":")
          this.fail(`expected '=' after object key ${JSON.stringify(key)}`);
        this.pos++;
        entries.push({ key, value: this.expression() });
        this.skip(false);
        if (this.peek() === ",") this.pos++;
        else if (this.peek() !== "\n" && this.peek() !== "}")
          this.fail("expected ',' or a newline between object entries");
        this.skip(true);
      }
      this.pos++;
      result = { kind: "object", entries };
    } else if (c === "-" || /\d/.test(c)) {
      result = this.number();
    } else if (IDENT_START.test(c)) {
      const name = this.identifier();
      if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
      if (name === "null") return { kind: "literal", value: null };
      if (this.peek() === "(") {
        this.pos++;
        const args: HclExpression[] = [];
        this.skip(true);
        while (this.peek() !== ")") {
          args.push(this.expression());
          this.skip(true);
          if (this.peek() === ",") {
            this.pos++;
            this.skip(true);
          } else if (this.peek() !== ")") {
            this.fail("expected ',' or ')' in a call");
          }
        }
        this.pos++;
        result = { kind: "call", name, args };
      } else {
        let path = name;
        for (;;) {
          if (this.peek() === "." && IDENT_START.test(this.text[this.pos + 1] ?? "")) {
            this.pos++;
            path += `.${this.identifier()}`;
          } else if (this.peek() === "[") {
            this.pos++;
            const index = this.expression();
            this.skip(false);
            this.expect("]");
            if (index.kind === "literal") path += `[${JSON.stringify(index.value)}]`;
            else if (index.kind === "template" && index.parts.every((p) => typeof p === "string")) {
              path += `[${JSON.stringify(index.parts.join(""))}]`;
            } else this.fail("only literal indexes are expected");
          } else {
            break;
          }
        }
        result = { kind: "traversal", path };
      }
    } else {
      this.fail(`unexpected ${JSON.stringify(c || "end of input")} where an expression should start`);
    }
    return result;
  }

  body(closing: string): (HclAttribute | HclBlock)[] {
    const items: (HclAttribute | HclBlock)[] = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === closing) return items;
      if (this.peek() === "") this.fail(closing === "" ? "unexpected end" : "unterminated block");
      const line = this.text.slice(0, this.pos).split("\n").length;
      const name = this.identifier();
      this.skip(false);
      if (this.peek() === "=") {
        this.pos++;
        const value = this.expression();
        this.skip(false);
        if (this.peek() !== "\n" && this.peek() !== "" && this.peek() !== closing) {
          this.fail(`unexpected ${JSON.stringify(this.peek())} after the value of ${name}`);
        }
        items.push({ kind: "attribute", name, value, line });
        continue;
      }
      const labels: string[] = [];
      while (this.peek() === '"') {
        const label = this.template();
        if (label.kind !== "template" || label.parts.some((p) => typeof p !== "string"))
          this.fail("block labels must be literal");
        labels.push((label.parts as string[]).join(""));
        this.skip(false);
      }
      this.expect("{");
      const body = this.body("}");
      this.expect("}");
      items.push({ kind: "block", type: name, labels, body, line });
    }
  }
}

/** Parses a whole native-syntax HCL file; throws {@link HclSyntaxError} with the line on any deviation. */
export function parseHclFile(text: string): (HclAttribute | HclBlock)[] {
  const parser = new Parser(text);
  const body = parser.body("");
  return body;
}

/** Parses one expression that must fill `text` completely. */
export function parseHclExpression(text: string): HclExpression {
  const parser = new Parser(text);
  const expression = parser.expression();
  parser.skip(true);
  if (parser.pos !== text.length) parser.fail("trailing characters after the expression");
  return expression;
}

/**
 * Parses a string value of `cdk.tf.json`, which Terraform reads as a template: `"${jsonencode({...})}"` is the
 * expression inside; `"a-${x}"` concatenates.
 */
export function parseJsonTemplate(value: string): HclExpression {
  return new Parser(value).template(false);
}

export type Resolver = (path: string) => unknown;

/** Evaluates an expression; `jsonencode`, `uuid` and `lookup` are the functions cdktf output uses here. */
export function evaluate(expression: HclExpression, resolve: Resolver): unknown {
  switch (expression.kind) {
    case "literal":
      return expression.value;
    case "template": {
      if (expression.parts.length === 1 && typeof expression.parts[0] !== "string") {
        return evaluate(expression.parts[0], resolve);
      }
      return expression.parts.map((p) => (typeof p === "string" ? p : String(evaluate(p, resolve)))).join("");
    }
    case "tuple":
      return expression.items.map((i) => evaluate(i, resolve));
    case "object":
      return Object.fromEntries(expression.entries.map((e) => [e.key, evaluate(e.value, resolve)]));
    case "traversal":
      return resolve(expression.path);
    case "call": {
      const args = expression.args.map((a) => evaluate(a, resolve));
      if (expression.name === "jsonencode" && args.length === 1) return JSON.stringify(args[0]);
      if (expression.name === "uuid" && args.length === 0) return "00000000-0000-4000-8000-000000000000";
      if (expression.name === "lookup" && args.length >= 2) {
        return (args[0] as Record<string, unknown>)[args[1] as string] ?? args[2];
      }
      throw new Error(`function ${expression.name} is not expected in the synthesized configuration`);
    }
  }
}
