/**
 * cdktf's HCL renderer writes `depends_on` and `ignore_changes` entries as quoted strings, the Terraform 0.11
 * form that Terraform and OpenTofu still accept but warn about ("Quoted references are deprecated") and plan
 * to remove. The synthesized HCL is meant to outlive cdktf, so the entries are written as bare references.
 * Only those two lists are touched, and only entries that are plain references (`type.name`, `attribute`).
 */
const REFERENCE_LIST = /^(\s*(?:depends_on|ignore_changes)\s*=\s*\[)([^\]]*)(\])/gm;
const QUOTED_REFERENCE = /"([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)"/g;

export function unquoteReferenceLists(hcl: string): string {
  return hcl.replace(REFERENCE_LIST, (_match, open: string, items: string, close: string) => {
    return `${open}${items.replace(QUOTED_REFERENCE, "$1")}${close}`;
  });
}

/**
 * cdktf's HCL renderer writes the `terraform` block's plain attributes (`required_version`) as their index in a
 * list of names (`0 = "required_version"`), which no Terraform parses. The lines are rewritten with the values
 * the JSON output carries. Only string values are expected there.
 */
export function renderTerraformBlockAttributes(hcl: string, attributes: Record<string, string>): string {
  const names = Object.keys(attributes);
  // A numeric attribute name appears nowhere else in cdktf's output; the name must match its index too.
  return hcl.replace(/^(\s*)(\d+) = "([a-z_]+)"$/gm, (line, indent: string, index: string, name: string) => {
    if (names[Number(index)] !== name) return line;
    return `${indent}${name} = ${JSON.stringify(attributes[name])}`;
  });
}
