import { DataResource, Fn, Token } from "cdktf";
import { Construct } from "constructs";

/**
 * An ExternalId made once, at the first apply, and kept in the Terraform state: a built-in `terraform_data`
 * resource holding `uuid()`, with `ignore_changes` so later plans keep the stored value. It needs no provider
 * (Terraform >= 1.4, OpenTofu >= 1.6). A UUID has 122 random bits and fits STS's ExternalId rule.
 */
export class GeneratedExternalId extends Construct {
  /** The ExternalId; a deploy-time value, readable from the `external_id` output. */
  readonly value: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const holder = new DataResource(this, "value", {
      input: { external_id: Fn.uuid() },
      lifecycle: { ignoreChanges: ["input"] },
    });
    this.value = Token.asString(holder.output.lookup("external_id"));
  }
}
