import {
  Cloudtrail,
  type CloudtrailAdvancedEventSelector,
  type CloudtrailAdvancedEventSelectorFieldSelector,
} from "@cdktf/provider-aws/lib/cloudtrail/index.js";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

export interface TrailDataEvents {
  /** CloudTrail resource type, e.g. `AWS::S3::Object` or `AWS::Lambda::Function`. */
  resourceType: string;
  /** Only resources whose ARN starts with one of these; all of the type when absent. */
  arnPrefixes?: readonly string[];
}

export interface LogTrailProps {
  name: string;
  bucketName: string;
  /** Folder in the bucket (no trailing slash); files go to `<keyPrefix>/AWSLogs/<account>/CloudTrail/`. */
  keyPrefix: string;
  managementEvents: boolean;
  /** Management event sources not worth their volume, e.g. `kms.amazonaws.com`. */
  excludeManagementEventSources?: readonly string[];
  dataEvents?: readonly TrailDataEvents[];
  insights?: readonly ("ApiCallRateInsight" | "ApiErrorRateInsight")[];
  kmsKeyArn?: string;
  /** An organization trail: every member account's events, created from the management account. */
  organization?: boolean;
  /** Object ARNs never recorded as data events: the trail's own bucket, or every delivery would log itself. */
  excludedObjectArnPrefixes?: readonly string[];
  /** The bucket policy: CloudTrail checks it when the trail is created. */
  dependsOn: ITerraformDependable[];
}

/**
 * A multi-Region trail with global service events, log file validation and logging on. Events are chosen with
 * advanced event selectors, which can express both management and data events (classic selectors cannot be
 * mixed with them).
 */
export class LogTrail extends Construct {
  readonly trail: Cloudtrail;

  constructor(scope: Construct, id: string, props: LogTrailProps) {
    super(scope, id);
    const selectors: CloudtrailAdvancedEventSelector[] = [];
    if (props.managementEvents) {
      const fields: CloudtrailAdvancedEventSelectorFieldSelector[] = [
        { field: "eventCategory", equalTo: ["Management"] },
      ];
      if ((props.excludeManagementEventSources ?? []).length > 0) {
        fields.push({ field: "eventSource", notEquals: [...(props.excludeManagementEventSources ?? [])] });
      }
      selectors.push({ name: "Management events", fieldSelector: fields });
    }
    for (const data of props.dataEvents ?? []) {
      const fields: CloudtrailAdvancedEventSelectorFieldSelector[] = [
        { field: "eventCategory", equalTo: ["Data"] },
        { field: "resources.type", equalTo: [data.resourceType] },
      ];
      if (data.arnPrefixes !== undefined) {
        fields.push({ field: "resources.ARN", startsWith: [...data.arnPrefixes] });
      } else if (data.resourceType === "AWS::S3::Object" && (props.excludedObjectArnPrefixes ?? []).length > 0) {
        fields.push({ field: "resources.ARN", notStartsWith: [...(props.excludedObjectArnPrefixes ?? [])] });
      }
      selectors.push({ name: `Data events ${data.resourceType}`, fieldSelector: fields });
    }
    if (selectors.length === 0)
      throw new Error(`trail ${props.name} would record nothing: no management or data events`);

    this.trail = new Cloudtrail(this, "trail", {
      name: props.name,
      s3BucketName: props.bucketName,
      ...(props.keyPrefix === "" ? {} : { s3KeyPrefix: props.keyPrefix }),
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      ...(props.organization ? { isOrganizationTrail: true } : {}),
      ...(props.kmsKeyArn === undefined ? {} : { kmsKeyId: props.kmsKeyArn }),
      advancedEventSelector: selectors,
      ...((props.insights ?? []).length === 0
        ? {}
        : { insightSelector: (props.insights ?? []).map((insightType) => ({ insightType })) }),
      dependsOn: props.dependsOn,
    });
  }
}
