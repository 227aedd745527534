/**
 * Fills the `<placeholder>` values of one of Devo's configuration templates as a customer does, and nothing else:
 * each placeholder is replaced by the value given for its key's dotted path
 * (`inputs.aws.services.audit-events-all.types`), every other character stays as Devo wrote it. A placeholder without
 * a value, or a value for a path the template does not have, is an error, so that a test cannot drift from the text.
 */
export function fillDevoTemplate(template: string, values: Record<string, string>): string {
  const path: string[] = [];
  const used = new Set<string>();
  const lines = template.split("\n").map((line, index) => {
    const match = /^( *)([^:#\s][^:]*):(.*)$/.exec(line);
    if (match === null) return line;
    const [, indent, key, rest] = match;
    path.length = indent.length / 2;
    path.push(key);
    const placeholder = /<[a-z0-9_]+>/.exec(rest);
    if (placeholder === null) return line;
    const dotted = path.join(".");
    const value = values[dotted];
    if (value === undefined) throw new Error(`template line ${index + 1}: no value for ${dotted} (${placeholder[0]})`);
    used.add(dotted);
    return `${indent}${key}:${rest.replace(placeholder[0], value)}`;
  });
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length > 0) throw new Error(`values for keys the template does not have: ${unused.join(", ")}`);
  return lines.join("\n");
}
