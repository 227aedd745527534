import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias/index.js";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key/index.js";
import { Construct } from "constructs";
import type { PolicyDocument } from "../../policies/policy-document.ts";
import { terraformJson } from "../terraform-json.ts";

export interface EncryptionKeyProps {
  /** `alias/<aliasName>` is created for the key. */
  aliasName: string;
  description: string;
  /** Built by `buildKeyPolicy`: account administration plus each service that encrypts with the key. */
  policy: PolicyDocument;
  deletionWindowDays: number;
}

/** A customer-managed symmetric key with yearly rotation and an explicit key policy. */
export class EncryptionKey extends Construct {
  readonly key: KmsKey;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      isEnabled: true,
      deletionWindowInDays: props.deletionWindowDays,
      policy: terraformJson(props.policy),
    });
    this.keyArn = this.key.arn;
    new KmsAlias(this, "alias", { name: `alias/${props.aliasName}`, targetKeyId: this.key.keyId });
  }
}
