/** One line of `aws-devo-collector check`: what was checked, and OK, a warning or a failure with what to change. */
export interface CheckResult {
  status: "ok" | "warn" | "fail";
  /** The config place the check is about: `inputs.aws`, `inputs.aws.services.audit-events-all`, `outputs.devo_1`. */
  where: string;
  /** What was checked and what was found; for a failure, the exact error and what to change. */
  detail: string;
}

export const ok = (where: string, detail: string): CheckResult => ({ status: "ok", where, detail });
export const warn = (where: string, detail: string): CheckResult => ({ status: "warn", where, detail });
export const fail = (where: string, detail: string): CheckResult => ({ status: "fail", where, detail });

/** `OK    outputs.devo_1: …`: aligned, one line per check. */
export function formatResult(result: CheckResult): string {
  return `${result.status.toUpperCase().padEnd(5)} ${result.where}: ${result.detail}`;
}
