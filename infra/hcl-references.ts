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
