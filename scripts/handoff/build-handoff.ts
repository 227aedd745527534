import { bucketNameProblems } from "../../infra/validation/bucket-name.ts";
import { regionFromQueueUrl } from "../../worker/pipeline/queue-plan.ts";
import { findService } from "../../worker/services/catalog.ts";
import type { InputType } from "../../worker/services/service-definition.ts";
import { HandoffError } from "./handoff-error.ts";
import type { StackOutputs } from "./read-stack-outputs.ts";
import {
  findTechnology,
  NEEDS_OPTIONS,
  normalizeName,
  TECHNOLOGIES,
  type Technology,
  technologyOfService,
} from "./technologies.ts";

/** One queue of the stack: what Devo needs to read it, and whether this worker can read it too. */
export interface HandoffQueue {
  /** The queue's name in the stack (the key of `technologies`), also the worker input's key. */
  name: string;
  technology: string;
  label: string;
  /** Devo's collection service for this technology. */
  service: string;
  input: InputType;
  queueUrl: string;
  /** The queue's name: what Devo's AWS collector takes (`cloudwatch_sqs_queue_name`), resolved in `region`. */
  queueName: string;
  queueArn?: string;
  region: string;
  /**
   * Why this worker's input is written disabled: its catalog does not have the service yet, or the service
   * needs options the stack cannot know. Undefined when the worker runs it.
   */
  workerSkips?: string;
  /** The buckets that notify this queue with their owners (output `technologies.<name>.buckets`), when given. */
  buckets?: { bucket: string; owner: string }[];
}

/**
 * The stack's ECS worker (outputs `worker_*`, infra/pipeline-outputs.ts): its presence means a configuration for
 * the task is wanted, whose certificates come from the variables ECS fills from these secrets.
 */
export interface EcsWorkerHandoff {
  clusterName?: string;
  serviceName?: string;
  /** SSM parameter name or Secrets Manager ARN that the ECS configuration is put into. */
  configLocation?: string;
  certificateSecrets?: { chain?: string; cert?: string; key?: string };
}

export interface Handoff {
  source: string;
  format: StackOutputs["format"];
  stack?: string;
  /** `devo`: Devo assumes `roleArn` with `externalId`. `self_hosted`: only our worker reads, with its own role. */
  accessMode: "devo" | "self_hosted";
  accountId: string;
  region: string;
  roleArn?: string;
  externalId?: string;
  bucket?: string;
  queues: HandoffQueue[];
  /** Present when the stack runs the worker on ECS. */
  ecsWorker?: EcsWorkerHandoff;
  /** The stack's CloudWatch alarms on the queues and the topic it created for them, when its outputs say. */
  alarms?: HandoffAlarms;
}

/** The stack's alarms (output `alarm_names`) and the topic it created for them (`alarm_topic_arn`), if any. */
export interface HandoffAlarms {
  names: string[];
  topicArn?: string;
}

/** Same rules as the worker's credentials schema: a role ARN in any partition, and STS's ExternalId alphabet. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([\w-]{1,80}(?:\.fifo)?)$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Accepted spellings of each single-valued output, compared normalized (`role_arn` = `roleArn`). */
const NAMES = {
  region: ["region", "aws_region"],
  roleArn: ["role_arn", "cross_account_role_arn", "devo_role_arn", "reader_role_arn"],
  externalId: ["external_id", "devo_external_id", "role_external_id"],
  bucket: ["bucket", "bucket_name", "log_bucket", "log_bucket_name"],
  accessMode: ["access_mode"],
  accountId: ["account_id", "aws_account_id"],
  queues: ["technologies", "queues"],
  queueUrls: ["queue_urls"],
  queueArns: ["queue_arns"],
  queueUrl: ["queue_url"],
  technology: ["technology"],
  nested: ["devo_handoff", "handoff"],
  workerClusterName: ["worker_cluster_name"],
  workerServiceName: ["worker_service_name"],
  workerConfigLocation: ["worker_config_location"],
  workerCertificateSecrets: ["worker_certificate_secrets"],
  alarmNames: ["alarm_names"],
  alarmTopicArn: ["alarm_topic_arn"],
  /** Read only to tell that the stack has an ECS worker. */
  workerOther: ["worker_cluster_arn", "worker_task_role_arn", "worker_execution_role_arn", "worker_log_group"],
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class OutputIndex {
  readonly byName = new Map<string, { name: string; value: unknown }>();
  constructor(values: Record<string, unknown>) {
    for (const [name, value] of Object.entries(values)) this.byName.set(normalizeName(name), { name, value });
  }
  find(names: readonly string[]): { name: string; value: unknown } | undefined {
    for (const name of names) {
      const found = this.byName.get(normalizeName(name));
      if (found !== undefined && found.value !== undefined && found.value !== null && found.value !== "") return found;
    }
    return undefined;
  }
}

interface QueueCandidate {
  /** Where it came from, for errors: `queues.cloudtrail.url`. */
  where: string;
  /** The stack's name for the queue. */
  name?: string;
  technology?: string;
  service?: string;
  url?: unknown;
  arn?: unknown;
  buckets?: unknown;
}

function field(record: Record<string, unknown>, names: string[]): unknown {
  for (const [key, value] of Object.entries(record)) if (names.includes(normalizeName(key))) return value;
  return undefined;
}

/** `queues` as a map (technology → URL or {url, arn, service}) or a list of {technology, url, arn, service}. */
function queuesFromStructured(name: string, value: unknown, problems: string[]): QueueCandidate[] {
  const describe = (where: string, technology: string | undefined, entry: unknown): QueueCandidate => {
    if (typeof entry === "string") return { where, technology, url: entry };
    if (!isRecord(entry)) {
      problems.push(
        `${where}: expected a queue URL or an object with \`url\` and \`arn\`, got ${JSON.stringify(entry)}`,
      );
      return { where, technology };
    }
    const own = field(entry, ["technology", "type"]);
    const name = field(entry, ["name"]);
    const service = field(entry, ["service", "devoservice"]);
    return {
      where,
      name: typeof name === "string" ? name : technology,
      technology: typeof own === "string" ? own : technology,
      service: typeof service === "string" ? service : undefined,
      url: field(entry, ["url", "queueurl"]),
      arn: field(entry, ["arn", "queuearn"]),
      buckets: field(entry, ["buckets"]),
    };
  };
  if (Array.isArray(value)) return value.map((entry, index) => describe(`${name}[${index}]`, undefined, entry));
  if (isRecord(value)) return Object.entries(value).map(([key, entry]) => describe(`${name}.${key}`, key, entry));
  problems.push(`${name}: expected a map of technology → queue, or a list of queues, got ${JSON.stringify(value)}`);
  return [];
}

/** A queue's `buckets` ([{bucket, owner}]), checked as the stack checked them; undefined when not listed. */
function notifyingBuckets(candidate: QueueCandidate, problems: string[]): HandoffQueue["buckets"] {
  if (candidate.buckets === undefined || candidate.buckets === null) return undefined;
  const where = `${candidate.where}.buckets`;
  if (!Array.isArray(candidate.buckets)) {
    problems.push(`${where}: expected a list of {bucket, owner}, got ${JSON.stringify(candidate.buckets)}`);
    return undefined;
  }
  const buckets: { bucket: string; owner: string }[] = [];
  candidate.buckets.forEach((entry, index) => {
    const bucket = isRecord(entry) ? entry.bucket : undefined;
    const owner = isRecord(entry) ? entry.owner : undefined;
    const nameProblems = typeof bucket === "string" ? bucketNameProblems(bucket) : ["is missing"];
    if (typeof bucket !== "string" || nameProblems.length > 0 || typeof owner !== "string" || !/^\d{12}$/.test(owner)) {
      problems.push(
        `${where}[${index}]: expected {bucket: <S3 bucket name>, owner: <12-digit account>}, got ${JSON.stringify(entry)}` +
          (nameProblems.length > 0 ? ` (the bucket name ${nameProblems.join("; ")})` : ""),
      );
    } else buckets.push({ bucket, owner });
  });
  return buckets;
}

/** Every way the stack may name its queues; all found are merged. */
function queueCandidates(index: OutputIndex, problems: string[]): QueueCandidate[] {
  const found: QueueCandidate[] = [];
  const queues = index.find(NAMES.queues);
  if (queues !== undefined) found.push(...queuesFromStructured(queues.name, queues.value, problems));

  const urls = index.find(NAMES.queueUrls);
  const arns = index.find(NAMES.queueArns);
  if (urls !== undefined) {
    if (!isRecord(urls.value)) problems.push(`${urls.name}: expected a map of technology → queue URL`);
    else {
      const arnMap = isRecord(arns?.value) ? arns.value : {};
      for (const [technology, url] of Object.entries(urls.value)) {
        found.push({ where: `${urls.name}.${technology}`, name: technology, technology, url, arn: arnMap[technology] });
      }
    }
  }

  // `cloudtrail_queue_url` / `cloudtrailQueueUrl` (+ `…_queue_arn`): one pair of outputs per technology.
  for (const [normalized, { name, value }] of index.byName) {
    const match = /^(.+)queueurl$/.exec(normalized);
    if (match === null || /(dlq|deadletter)$/.test(match[1])) continue;
    if ([...NAMES.queueUrls, ...NAMES.queueUrl].map(normalizeName).includes(normalized)) continue;
    const arn = index.byName.get(`${match[1]}queuearn`)?.value;
    found.push({ where: name, name: match[1], technology: match[1], url: value, arn });
  }

  const single = index.find(NAMES.queueUrl);
  if (single !== undefined) {
    const technology = index.find(NAMES.technology)?.value;
    if (typeof technology !== "string") {
      problems.push(`${single.name} is given without a \`technology\` output saying what the queue carries`);
    } else {
      found.push({
        where: single.name,
        name: technology,
        technology,
        url: single.value,
        arn: index.find(["queue_arn"])?.value,
      });
    }
  }
  return found;
}

/**
 * The technology (label, input type) and Devo service of a queue. The stack's own `service` wins: the infra knows
 * which service it routed the files for; the technology table fills in what the stack leaves out.
 */
function resolveService(
  candidate: QueueCandidate,
  problems: string[],
): { technology: Technology; service: string } | undefined {
  const technology =
    (candidate.technology !== undefined ? findTechnology(candidate.technology) : undefined) ??
    (candidate.service !== undefined ? technologyOfService(candidate.service) : undefined);
  if (technology === undefined) {
    problems.push(
      candidate.service !== undefined
        ? `${candidate.where}.service: '${candidate.service}' is not a Devo service this hand-off knows`
        : `${candidate.where}: unknown technology '${candidate.technology ?? ""}'; known: ${TECHNOLOGIES.map((t) => t.id).join(", ")}`,
    );
    return undefined;
  }
  const service = candidate.service ?? technology.service;
  if (technologyOfService(service) === undefined && findService(service) === undefined) {
    problems.push(`${candidate.where}.service: '${service}' is not a Devo service this hand-off knows`);
    return undefined;
  }
  return { technology, service };
}

function whyWorkerSkips(service: string, input: InputType): string | undefined {
  if (NEEDS_OPTIONS.has(service)) return `${service} needs its file_format and routing_template written first`;
  if (findService(service, input) === undefined) return `this worker has no ${service} service yet`;
  return undefined;
}

/** The ECS worker's outputs, when the stack has any; malformed ones are problems, as for the queues. */
function ecsWorkerOf(index: OutputIndex, problems: string[]): EcsWorkerHandoff | undefined {
  const names = [
    ...NAMES.workerClusterName,
    ...NAMES.workerServiceName,
    ...NAMES.workerConfigLocation,
    ...NAMES.workerCertificateSecrets,
    ...NAMES.workerOther,
  ];
  if (!names.some((name) => index.find([name]) !== undefined)) return undefined;
  const text = (names: readonly string[]): string | undefined => {
    const found = index.find(names);
    if (found === undefined) return undefined;
    if (typeof found.value === "string") return found.value;
    problems.push(`${found.name}: expected a string, got ${JSON.stringify(found.value)}`);
    return undefined;
  };
  const worker: EcsWorkerHandoff = {
    clusterName: text(NAMES.workerClusterName),
    serviceName: text(NAMES.workerServiceName),
    configLocation: text(NAMES.workerConfigLocation),
  };
  const secrets = index.find(NAMES.workerCertificateSecrets);
  if (secrets !== undefined) {
    const value = secrets.value;
    if (
      !isRecord(value) ||
      !["chain", "cert", "key"].every((key) => value[key] === undefined || typeof value[key] === "string")
    ) {
      problems.push(`${secrets.name}: expected an object with the chain, cert and key secret ARNs`);
    } else {
      worker.certificateSecrets = {
        chain: value.chain as string | undefined,
        cert: value.cert as string | undefined,
        key: value.key as string | undefined,
      };
    }
  }
  return worker;
}

/** Turns a stack's outputs into the hand-off, or fails with every missing or malformed output named. */
export function buildHandoff(outputs: StackOutputs, source: string): Handoff {
  const problems: string[] = [];
  let index = new OutputIndex(outputs.values);
  const nested = index.find(NAMES.nested);
  if (nested !== undefined) {
    if (isRecord(nested.value)) index = new OutputIndex({ ...outputs.values, ...nested.value });
    else problems.push(`${nested.name}: expected an object with region, role_arn, external_id and queues`);
  }
  const sensitiveHint =
    outputs.format === "cdktf"
      ? " (cdktf leaves sensitive outputs out of --outputs-file unless --outputs-file-include-sensitive-outputs is given)"
      : "";

  const modeOutput = index.find(NAMES.accessMode);
  if (modeOutput !== undefined && modeOutput.value !== "devo" && modeOutput.value !== "self_hosted") {
    problems.push(`${modeOutput.name}: expected devo or self_hosted, got ${JSON.stringify(modeOutput.value)}`);
  }
  const accessMode = modeOutput?.value === "self_hosted" ? "self_hosted" : "devo";

  // Self-hosted stacks have no cross-account role (an empty role_arn, or the worker's own role, without ExternalId).
  const role = index.find(NAMES.roleArn);
  let accountId = "";
  if (role === undefined) {
    if (accessMode === "devo")
      problems.push(`missing output role_arn: the cross-account role Devo assumes${sensitiveHint}`);
  } else {
    const match = typeof role.value === "string" ? ROLE_ARN.exec(role.value) : null;
    if (match === null) problems.push(`${role.name}: expected an IAM role ARN, got ${JSON.stringify(role.value)}`);
    else accountId = match[1];
  }

  const externalId = index.find(NAMES.externalId);
  if (externalId === undefined) {
    if (accessMode === "devo") {
      problems.push(`missing output external_id: the ExternalId the role's trust policy requires${sensitiveHint}`);
    }
  } else if (typeof externalId.value !== "string" || !EXTERNAL_ID.test(externalId.value)) {
    // Not echoed: a malformed ExternalId may still be close to the real one.
    problems.push(`${externalId.name}: expected 2–1224 characters of letters, digits and +=,.@:/-_`);
  }
  const accountOutput = index.find(NAMES.accountId);
  if (accountOutput !== undefined) {
    if (typeof accountOutput.value !== "string" || !/^\d{12}$/.test(accountOutput.value)) {
      problems.push(
        `${accountOutput.name}: expected a 12-digit AWS account id, got ${JSON.stringify(accountOutput.value)}`,
      );
    } else if (accountId !== "" && accountId !== accountOutput.value) {
      problems.push(`${accountOutput.name}: ${accountOutput.value} is not the account of role_arn (${accountId})`);
    } else accountId = accountOutput.value;
  }

  const regionOutput = index.find(NAMES.region);
  if (regionOutput !== undefined && (typeof regionOutput.value !== "string" || !REGION.test(regionOutput.value))) {
    problems.push(
      `${regionOutput.name}: expected an AWS region such as us-east-1, got ${JSON.stringify(regionOutput.value)}`,
    );
  }
  const stackRegion = typeof regionOutput?.value === "string" ? regionOutput.value : undefined;

  const ecsWorker = ecsWorkerOf(index, problems);

  const problemsBefore = problems.length;
  const candidates = queueCandidates(index, problems);
  // A malformed queue output has been reported already; "missing" would then be wrong.
  if (candidates.length === 0 && problems.length === problemsBefore) {
    problems.push(
      "missing queue outputs: expected `queues` (map technology → {url, arn}), `queue_urls` (map technology → URL), " +
        "or `<technology>_queue_url` outputs",
    );
  }

  const queues: HandoffQueue[] = [];
  for (const candidate of candidates) {
    const resolved = resolveService(candidate, problems);
    if (typeof candidate.url !== "string" || !/^https?:\/\/[^/]+\/\d{12}\/[\w-]+(\.fifo)?$/.test(candidate.url)) {
      problems.push(
        `${candidate.where}: expected an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), got ${JSON.stringify(candidate.url)}`,
      );
      continue;
    }
    const region = regionFromQueueUrl(candidate.url) ?? stackRegion;
    if (region === undefined) {
      problems.push(`${candidate.where}: the queue URL names no region and there is no \`region\` output`);
      continue;
    }
    let queueArn: string | undefined;
    if (candidate.arn !== undefined && candidate.arn !== null) {
      const match = typeof candidate.arn === "string" ? QUEUE_ARN.exec(candidate.arn) : null;
      if (match === null)
        problems.push(`${candidate.where}: expected an SQS queue ARN, got ${JSON.stringify(candidate.arn)}`);
      else if (!candidate.url.endsWith(`/${match[2]}/${match[3]}`)) {
        problems.push(
          `${candidate.where}: the queue ARN ${candidate.arn} does not name the same queue as ${candidate.url}`,
        );
      } else queueArn = candidate.arn as string;
    }
    const buckets = notifyingBuckets(candidate, problems);
    if (resolved === undefined) continue;
    const { technology, service } = resolved;
    const name = candidate.name ?? technology.id;
    const sameName = queues.find((queue) => normalizeName(queue.name) === normalizeName(name));
    const sameUrl = queues.find((queue) => queue.queueUrl === candidate.url);
    if (sameName !== undefined && sameName.queueUrl === candidate.url && sameName.service === service) continue;
    if (sameName !== undefined) {
      problems.push(
        `${candidate.where}: a second queue named ${name} (${candidate.url}, already ${sameName.queueUrl})`,
      );
      continue;
    }
    if (sameUrl !== undefined) {
      problems.push(
        `${candidate.where}: ${candidate.url} is already listed as ${sameUrl.name}; one queue feeds one collector`,
      );
      continue;
    }
    queues.push({
      name,
      technology: technology.id,
      label: technology.label,
      service,
      input: technology.input,
      queueUrl: candidate.url,
      queueName: candidate.url.split("/").pop() ?? "",
      queueArn,
      region,
      workerSkips: whyWorkerSkips(service, technology.input),
      ...(buckets === undefined ? {} : { buckets }),
    });
    if (accountId === "") accountId = /\/(\d{12})\/[^/]+$/.exec(candidate.url)?.[1] ?? "";
  }

  if (problems.length > 0) throw new HandoffError(source, problems);
  const bucket = index.find(NAMES.bucket)?.value;
  const alarmNames = index.find(NAMES.alarmNames)?.value;
  const alarmTopic = index.find(NAMES.alarmTopicArn)?.value;
  const alarms = Array.isArray(alarmNames)
    ? {
        names: alarmNames.filter((name): name is string => typeof name === "string"),
        ...(typeof alarmTopic === "string" && alarmTopic !== "" ? { topicArn: alarmTopic } : {}),
      }
    : undefined;
  return {
    source,
    format: outputs.format,
    stack: outputs.stack,
    accessMode,
    accountId,
    region: stackRegion ?? queues[0].region,
    roleArn: role?.value as string | undefined,
    externalId: externalId?.value as string | undefined,
    bucket: typeof bucket === "string" ? bucket : undefined,
    queues,
    ...(ecsWorker === undefined ? {} : { ecsWorker }),
    ...(alarms === undefined ? {} : { alarms }),
  };
}
