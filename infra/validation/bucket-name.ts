/**
 * S3's naming rules for general purpose buckets ("Bucket naming rules", Amazon S3 user guide). Checked before
 * synth so a refused name fails in seconds with the rule it breaks, not minutes into `terraform apply`.
 */
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** Every rule the name breaks, in plain words; empty when S3 would accept it. */
export function bucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push(`must be 3 to 63 characters long (is ${name.length})`);
  if (!/^[a-z0-9.-]*$/.test(name)) problems.push("may contain only lowercase letters, digits, dots and hyphens");
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) problems.push("must begin and end with a letter or digit");
  if (name.includes("..")) problems.push("must not contain two adjacent dots");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push("must not look like an IP address");
  for (const prefix of RESERVED_PREFIXES) {
    if (name.startsWith(prefix)) problems.push(`must not start with the reserved prefix "${prefix}"`);
  }
  for (const suffix of RESERVED_SUFFIXES) {
    if (name.endsWith(suffix)) problems.push(`must not end with the reserved suffix "${suffix}"`);
  }
  return problems;
}
