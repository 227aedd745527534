import ts from "typescript";

/**
 * esbuild declares every top-level `const` of a bundled module as `var`, on purpose and with no option to keep it, and
 * a module reached from a dynamic `import()` gets its constants assigned in its lazy initializer (`__esm`). To V8 such
 * a `var` is a variable: optimized code loads it at every use instead of folding the number in. The JSON scanner's
 * character and state constants cost 13% more instructions that way than from source (docs/performance.md).
 *
 * This gives the numeric constants back to V8 as constants: every top-level `var` whose only value is a number
 * (written by its declaration, or once by an `__esm` initializer) and that nothing else writes or declares becomes
 * part of one `const` declaration on a line inserted after line `afterLine` (the banner). Everything else keeps its line and
 * column: the moved text is replaced by spaces (`NAME=34` in an initializer becomes `34` and spaces), so the source
 * map only needs that one line inserted (`withInsertedLine`).
 */
export function constantsAsConst(code: string, afterLine = 1): { code: string; moved: string[] } {
  const file = ts.createSourceFile("bundle.mjs", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const { writes, declarations } = bindingUses(file);
  const blank = new Map<number, number>(); // start -> end of text to turn into spaces
  const replace: { start: number; end: number; text: string }[] = [];
  const constants: string[] = [];
  const moved: string[] = [];

  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement) || isBlockScoped(statement.declarationList) || statement.modifiers) continue;
    const declarators = statement.declarationList.declarations;
    const leaving = declarators.filter((declarator) => {
      if (!ts.isIdentifier(declarator.name) || declarations.get(declarator.name.text) !== 1) return false;
      const name = declarator.name.text;
      const written = writes.get(name) ?? [];
      if (declarator.initializer !== undefined) {
        if (written.length > 0 || !isNumber(declarator.initializer)) return false;
        constants.push(`${name}=${declarator.initializer.getText(file)}`);
        return true;
      }
      const [only] = written;
      if (written.length !== 1 || !isValueDiscarded(only) || !isNumber(only.right)) return false;
      const value = only.right.getText(file);
      constants.push(`${name}=${value}`);
      replace.push({ start: only.getStart(file), end: only.end, text: value });
      return true;
    });
    if (leaving.length === 0) continue;
    for (const declarator of leaving) moved.push((declarator.name as ts.Identifier).text);
    if (leaving.length === declarators.length) {
      // The whole statement goes; what was `var …;` is left as spaces and its `;` (an empty statement).
      const end = code[statement.end - 1] === ";" ? statement.end - 1 : statement.end;
      blank.set(statement.getStart(file), end);
      continue;
    }
    // The declarators that go become spaces, and so does every comma but one between two that stay.
    const kept = declarators.map((declarator) => !leaving.includes(declarator));
    for (const [index, declarator] of declarators.entries()) {
      if (!kept[index]) blank.set(declarator.getStart(file), declarator.end);
      if (index === declarators.length - 1) continue;
      const keepComma = kept[index] && kept.slice(index + 1).includes(true);
      const between = { start: declarator.end, end: declarators[index + 1].getStart(file) };
      if (!keepComma) blank.set(between.start, between.end);
    }
  }
  if (constants.length === 0) return { code, moved };

  let out = code;
  const edits = [...[...blank].map(([start, end]) => ({ start, end, text: "" })), ...replace].sort(
    (a, b) => b.start - a.start,
  );
  for (const { start, end, text } of edits) {
    out = out.slice(0, start) + text.padEnd(end - start, " ") + out.slice(end);
  }
  let at = 0;
  for (let line = 0; line < afterLine; line++) at = out.indexOf("\n", at) + 1;
  out = `${out.slice(0, at)}const ${constants.join(",")};\n${out.slice(at)}`;
  return { code: out, moved };
}

/** A source map (v3) of the code with an empty line inserted after line `afterLine`, as `constantsAsConst` inserts. */
export function withInsertedLine(mapJson: string, afterLine = 1): string {
  const map = JSON.parse(mapJson) as { mappings: string };
  const lines = map.mappings.split(";");
  lines.splice(afterLine, 0, "");
  map.mappings = lines.join(";");
  return JSON.stringify(map);
}

function isBlockScoped(list: ts.VariableDeclarationList): boolean {
  return (list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let | ts.NodeFlags.Using)) !== 0;
}

/**
 * Every write of a name (assignments, `++`/`--`), and how many declarations each name has anywhere: a name declared
 * more than once (a parameter or local of the same name shadowing it) is left alone, whatever the scopes.
 */
function bindingUses(file: ts.SourceFile): {
  writes: Map<string, ts.BinaryExpression[]>;
  declarations: Map<string, number>;
} {
  const writes = new Map<string, ts.BinaryExpression[]>();
  const declarations = new Map<string, number>();
  const other = new Set<string>();
  const declare = (name: ts.Node | undefined) => {
    if (name !== undefined && ts.isIdentifier(name))
      declarations.set(name.text, (declarations.get(name.text) ?? 0) + 1);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && isAssignment(node.operatorToken.kind)) {
      if (!ts.isIdentifier(node.left)) {
        // A destructuring assignment (`[a, b] = …`) writes every name in it.
        const targets = (inner: ts.Node): void => {
          if (ts.isIdentifier(inner)) other.add(inner.text);
          ts.forEachChild(inner, targets);
        };
        targets(node.left);
      } else if (node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const list = writes.get(node.left.text) ?? [];
        list.push(node);
        writes.set(node.left.text, list);
      } else other.add(node.left.text);
    } else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken) &&
      ts.isIdentifier(node.operand)
    ) {
      other.add(node.operand.text);
    } else if ((ts.isForInStatement(node) || ts.isForOfStatement(node)) && ts.isIdentifier(node.initializer)) {
      other.add(node.initializer.text);
    } else if (
      ts.isVariableDeclaration(node) ||
      ts.isParameter(node) ||
      ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isClassDeclaration(node) ||
      ts.isClassExpression(node) ||
      ts.isBindingElement(node) ||
      ts.isImportSpecifier(node) ||
      ts.isNamespaceImport(node) ||
      ts.isImportClause(node)
    ) {
      declare(node.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  // A name written any other way (compound assignment, ++, destructuring, for-in) is never a constant.
  for (const name of other) declarations.set(name, Number.POSITIVE_INFINITY);
  return { writes, declarations };
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

/** A number written out: literals, a sign, `*`, `+`, `-`, `<<` and parentheses over them (`64*1024*1024`). */
function isNumber(node: ts.Expression): boolean {
  if (ts.isNumericLiteral(node)) return true;
  if (ts.isParenthesizedExpression(node)) return isNumber(node.expression);
  if (ts.isPrefixUnaryExpression(node)) return node.operator === ts.SyntaxKind.MinusToken && isNumber(node.operand);
  if (ts.isBinaryExpression(node)) {
    const numeric = [
      ts.SyntaxKind.AsteriskToken,
      ts.SyntaxKind.PlusToken,
      ts.SyntaxKind.MinusToken,
      ts.SyntaxKind.LessThanLessThanToken,
    ];
    return numeric.includes(node.operatorToken.kind) && isNumber(node.left) && isNumber(node.right);
  }
  return false;
}

/**
 * Whether an assignment's value is thrown away: a statement of its own, or in a comma list that is one (`Q = 34, R = 92;`
 * as esbuild's initializers write them), so that it can become its bare value: `34, 92;`.
 */
function isValueDiscarded(node: ts.Node): boolean {
  let parent = node.parent;
  while (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.CommaToken)
    parent = parent.parent;
  return ts.isExpressionStatement(parent);
}
