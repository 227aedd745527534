/**
 * The key layouts AWS services write their log files under, so that when several services read one queue each
 * object goes to the service whose data it holds. A layout says "this key is certainly X"; a key that matches no
 * layout says nothing (customers rename and re-prefix freely), and routing then falls back to services that take
 * any key (see object-routing.ts).
 *
 * Sources: the AWS user guides' "log file name format" sections: CloudTrail (`AWSLogs/[o-org/]<account>/CloudTrail/
 * <region>/YYYY/MM/DD/…`), VPC Flow Logs to S3 (`AWSLogs/<account>/vpcflowlogs/<region>/…`, or the Hive-compatible
 * `aws-account-id=<account>/aws-service=vpcflowlogs/…`), Elastic Load Balancing access logs
 * (`AWSLogs/<account>/elasticloadbalancing/<region>/YYYY/MM/DD/<account>_elasticloadbalancing_<region>_<lb>_…`,
 * ALB names start with `app.`, NLB with `net.`), AWS Config (`AWSLogs/<account>/Config/<region>/…`), GuardDuty
 * exports (`AWSLogs/<account>/GuardDuty/<region>/…`), WAF (`AWSLogs/<account>/WAFLogs/<region>/<acl>/…`), Route 53
 * Resolver query logs (`AWSLogs/<account>/vpcdnsquerylogs/<vpc>/…`), S3 server access logs
 * (`<prefix>YYYY-mm-DD-HH-MM-SS-<16 hex>`), CloudFront standard logs (`<prefix><distribution>.YYYY-MM-DD-HH.<id>.gz`).
 */

/** `[…/]AWSLogs/[o-org/]<account>/<Service>/`: the level after the account names the service. */
const AWS_LOGS = String.raw`(?:^|/)AWSLogs/(?:o-[a-z0-9]{10,32}/)?\d{12}/`;

function awsLogs(serviceLevel: string): RegExp {
  return new RegExp(`${AWS_LOGS}${serviceLevel}/`);
}

export const CLOUDTRAIL_KEY = awsLogs("CloudTrail(?:-Digest|-Insight)?");
const VPC_FLOW_KEY = new RegExp(`${awsLogs("vpcflowlogs").source}|(?:^|/)aws-service=vpcflowlogs/`);
const ELB_KEY = awsLogs("elasticloadbalancing");
/** An Application Load Balancer's file: `<account>_elasticloadbalancing_<region>_app.<name>.<id>_…`. */
const ALB_FILE = /_elasticloadbalancing_[a-z0-9-]+_app\.[^/]*$/;
/** A Network Load Balancer's file (TLS listener logs; no service here reads them). */
const NLB_FILE = /_elasticloadbalancing_[a-z0-9-]+_net\.[^/]*$/;
const CONFIG_KEY = awsLogs("Config");
const GUARDDUTY_KEY = awsLogs("GuardDuty");
const WAF_KEY = awsLogs("WAFLogs");
const ROUTE53_KEY = awsLogs("vpcdnsquerylogs");
const S3_ACCESS_FILE = /\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/;
const CLOUDFRONT_FILE = /(?:^|\/)[A-Z0-9]{8,20}\.\d{4}-\d{2}-\d{2}-\d{2}\.[0-9a-f]{8}(?:\.gz)?$/;

export type KeyLayout = (key: string) => boolean;

export const KEY_LAYOUTS = {
  cloudTrail: (key) => CLOUDTRAIL_KEY.test(key),
  vpcFlow: (key) => VPC_FLOW_KEY.test(key),
  classicElb: (key) => ELB_KEY.test(key) && !ALB_FILE.test(key) && !NLB_FILE.test(key),
  alb: (key) => ELB_KEY.test(key) && ALB_FILE.test(key),
  config: (key) => CONFIG_KEY.test(key),
  guardDuty: (key) => GUARDDUTY_KEY.test(key),
  waf: (key) => WAF_KEY.test(key),
  route53: (key) => ROUTE53_KEY.test(key),
  s3Access: (key) => S3_ACCESS_FILE.test(key),
  cloudFront: (key) => CLOUDFRONT_FILE.test(key),
} as const satisfies Record<string, KeyLayout>;
