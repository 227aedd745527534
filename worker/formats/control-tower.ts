import { albFormat, elbFormat } from "./access-log-formats.ts";
import { awsConfigFormat, isConfigWritabilityCheck } from "./aws-config.ts";
import { cloudTrailFormat, isDigestKey } from "./cloudtrail.ts";
import { lineFormat } from "./line-format.ts";
import type { ObjectFormat } from "./object-format.ts";
import { VPC_FLOW_TAG, vpcFlowRule } from "./vpc-flow.ts";

const cloudTrail = cloudTrailFormat(undefined, true);
const vpcFlow = lineFormat(vpcFlowRule(VPC_FLOW_TAG));

/**
 * The log type of an object in a Control Tower (Landing Zone) logging bucket, from the key layout AWS writes
 * (`o-org/AWSLogs/<account>/CloudTrail/…`, `…/Config/…/ConfigSnapshot/…`, `…/vpcflowlogs/…`,
 * `…/elasticloadbalancing/…`), or undefined for keys of no known type.
 */
export function controlTowerFormat(key: string): ObjectFormat | undefined {
  if (/\/CloudTrail(-Insight)?\//.test(key)) return cloudTrail;
  if (/\/Config\//.test(key)) return awsConfigFormat;
  if (/\/vpcflowlogs\//.test(key)) return vpcFlow;
  if (/\/elasticloadbalancing\//.test(key)) return /_app\.|\/app\./.test(key) ? albFormat : elbFormat;
  return undefined;
}

/** Why a Control Tower object is not read: digests, Config's writability checks, and unknown key layouts. */
export function controlTowerSkipReason(key: string): string | undefined {
  if (isDigestKey(key)) return "CloudTrail digest file";
  if (isConfigWritabilityCheck(key)) return "AWS Config writability check file";
  if (!controlTowerFormat(key)) return "Control Tower key of no known log type";
  return undefined;
}
