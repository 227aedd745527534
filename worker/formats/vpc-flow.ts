import type { ObjectContext } from "../services/service-definition.ts";
import type { LineRule, LineVerdict } from "./line-format.ts";

export const VPC_FLOW_TAG = "cloud.aws.vpc.flow";

/** Fields of VPC Flow Logs records (versions 2–8) and Transit Gateway flow logs, as AWS names them. */
const KNOWN_FIELDS = new Set(
  (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action " +
    "log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type " +
    "sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path ecs-cluster-arn " +
    "ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id ecs-second-container-id " +
    "ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id reject-reason resource-id encryption-status " +
    "resource-type tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id " +
    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id " +
    "tgw-pair-attachment-id packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded " +
    "packets-lost-ttl-expired"
  ).split(" "),
);

/** The default (version 2) format, used when an object has no header line. */
const DEFAULT_FIELDS = [
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
  "log-status",
];

function tokens(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** The header line that S3 delivery writes first: field names only, most of them known. */
export function isFlowLogHeader(line: string): boolean {
  const names = tokens(line);
  let known = 0;
  for (const name of names) {
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) return false;
    if (KNOWN_FIELDS.has(name)) known++;
  }
  return known > 0 && known * 2 >= names.length;
}

/**
 * Counts the whitespace-separated fields of a record and picks the one at `index`, without splitting the line
 * (the hot path of the highest-volume format).
 */
function scanFields(line: string, index: number): { count: number; value: string | undefined } {
  let count = 0;
  let value: string | undefined;
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    if (count === index) value = line.slice(start, i);
    count++;
  }
  return { count, value };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

function epochSeconds(value: string | undefined): Date | undefined {
  if (!value || !/^\d{9,10}$/.test(value)) return undefined;
  return new Date(Number(value) * 1000);
}

const DEFAULT_START = DEFAULT_FIELDS.indexOf("start");

/**
 * VPC Flow Logs lines: the first line may be the header naming the fields (any version, any custom order); it is
 * not an event. With a header, a line with another number of fields is not a record of this file and is skipped;
 * without one, the default v2 order gives the event time when the line has its 14 fields.
 */
export function vpcFlowRule(tag: string): (context: ObjectContext) => LineRule {
  return () => {
    let fields: readonly string[] | undefined;
    let start = -1;
    let first = true;
    return (line: string): LineVerdict => {
      if (first) {
        first = false;
        if (isFlowLogHeader(line)) {
          fields = tokens(line);
          start = fields.indexOf("start");
          return { ignore: "VPC Flow Logs header line" };
        }
      }
      if (fields) {
        const { count, value } = scanFields(line, start);
        if (count !== fields.length) return { skip: "field count differs from the header" };
        return { tag, time: epochSeconds(value) };
      }
      const { count, value } = scanFields(line, DEFAULT_START);
      return { tag, time: count === DEFAULT_FIELDS.length ? epochSeconds(value) : undefined };
    };
  };
}
