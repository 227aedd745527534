import { Fn } from "cdktf";

/**
 * A JSON-valued attribute (policy documents, redrive policies, event patterns) rendered as Terraform's own
 * `jsonencode({...})` instead of a pre-serialized string. cdktf's HCL renderer copies string attributes into HCL
 * without escaping their quotes, so a serialized JSON string yields HCL that Terraform cannot parse; an
 * expression stays valid in both `cdk.tf.json` and `cdk.tf`, and references inside it keep working.
 */
export function terraformJson(value: object): string {
  return Fn.jsonencode(value);
}
