/**
 * Pipeline configurations the synth and simulation tests share, one per option of the issue: direct delivery,
 * SNS fan-out, KMS (created and given key), an existing bucket, EventBridge rules, and both access modes.
 * Each is a plain object as YAML would give it, so every scenario also exercises the schema.
 */

/** A configuration as YAML would give it; tests reach into it freely to vary one setting. */
// biome-ignore lint/suspicious/noExplicitAny: scenario objects are untyped YAML values by design
export type ScenarioConfig = Record<string, any>;

export const ACCOUNT = "111122223333";
export const OTHER_ACCOUNT = "444455556666";
export const REGION = "eu-west-1";
export const DEVO_ROLE = "arn:aws:iam::837131528613:role/devo-xaccount-cs-role";
export const EXTERNAL_ID = "devo-7d1f0c2a:customer=acme";

/** Direct S3 → SQS, SSE everywhere, created bucket and trail, Devo access with a given ExternalId. */
export function directScenario(): ScenarioConfig {
  return {
    account: ACCOUNT,
    region: REGION,
    name_prefix: "acme",
    bucket: { name: "aws-waf-logs-acme-security" },
    trail: { create: true, insights: ["ApiCallRateInsight"] },
    technologies: {
      cloudtrail: { type: "cloudtrail" },
      vpc: { type: "vpcflow" },
      alb: { type: "alb" },
      elb: { type: "elb" },
      waf: { type: "waf" },
      dns: { type: "route53" },
      config: { type: "config" },
      access_logs: { type: "s3_access" },
      cdn: { type: "cloudfront" },
      app: { type: "custom", prefix: "apps/payments/", suffix: ".json.gz" },
    },
    access: { mode: "devo", external_id: EXTERNAL_ID },
  };
}

/** SNS fan-out with raw delivery off, an extra subscriber and a bucket of another account publishing. */
export function fanOutScenario(): ScenarioConfig {
  return {
    account: ACCOUNT,
    region: REGION,
    name_prefix: "acme",
    bucket: { name: "acme-central-logs" },
    trail: { create: true },
    technologies: { cloudtrail: { type: "cloudtrail" }, vpc: { type: "vpcflow" } },
    sns: {
      enabled: true,
      raw_message_delivery: false,
      subscribers: [
        { technology: "cloudtrail", protocol: "sqs", endpoint: `arn:aws:sqs:${REGION}:${ACCOUNT}:siem-copy` },
      ],
      external_buckets: [
        { technology: "cloudtrail", bucket: "partner-trail-logs", account: OTHER_ACCOUNT, prefix: "AWSLogs/" },
      ],
    },
    access: { mode: "devo" },
  };
}

/** A key created by the stack, used by the trail, the bucket, the queues and GuardDuty's export. */
export function kmsScenario(): ScenarioConfig {
  return {
    account: ACCOUNT,
    region: REGION,
    name_prefix: "acme",
    bucket: { name: "acme-encrypted-logs" },
    trail: { create: true, kms: true },
    technologies: {
      cloudtrail: { type: "cloudtrail" },
      vpc: { type: "vpcflow" },
      guardduty: { type: "guardduty" },
      config: { type: "config" },
    },
    eventbridge: { security_hub: { enabled: true } },
    encryption: { mode: "kms" },
    access: { mode: "devo", external_id: EXTERNAL_ID },
  };
}

export const GIVEN_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
export const EXISTING_BUCKET_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/aaaabbbb-cccc-dddd-eeee-ffff00001111`;

/** A given key with SNS fan-out: the key policy is the customer's, queues and topics just use the key. */
export function givenKeyScenario(): ScenarioConfig {
  return {
    account: ACCOUNT,
    region: REGION,
    name_prefix: "acme",
    bucket: { name: "acme-given-key-logs" },
    technologies: { cloudtrail: { type: "cloudtrail" } },
    sns: { enabled: true },
    encryption: { mode: "kms", kms_key_arn: GIVEN_KEY_ARN, bucket: "sse-s3" },
    access: { mode: "devo", external_id: EXTERNAL_ID },
  };
}

/** An existing bucket (policy untouched, its own KMS key) and no trail; our worker reads with its task role. */
export function existingBucketScenario(): ScenarioConfig {
  return {
    account: ACCOUNT,
    region: REGION,
    name_prefix: "acme",
    bucket: {
      name: "org-trail-archive",
      create: false,
      kms_key_arn: EXISTING_BUCKET_KEY_ARN,
      // The bucket's own destinations, carried into the one notification configuration the stack writes.
      replace_notifications: true,
      carry_over_notifications: [
        {
          id: "archive-indexer",
          lambda_function_arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:archive-indexer`,
          events: ["s3:ObjectCreated:*"],
          prefix: "AWSLogs/o-abc123/",
          suffix: ".csv",
        },
      ],
    },
    technologies: {
      cloudtrail: { type: "cloudtrail", prefix: "AWSLogs/o-abc123/", suffix: ".json.gz" },
    },
    access: { mode: "self_hosted", worker_role_name: "devo-collector-task" },
  };
}

/** EventBridge only (so no bucket): service events and Security Hub findings, generated ExternalId, S3 state. */
export function eventBridgeScenario(): ScenarioConfig {
  return {
    account: ACCOUNT,
    region: REGION,
    name_prefix: "acme",
    eventbridge: {
      service_events: {
        sources: ["aws.guardduty", "aws.health"],
        detail_types: ["GuardDuty Finding", "AWS Health Event"],
      },
      security_hub: { enabled: true },
    },
    backend: { type: "s3", bucket: "acme-terraform-state", key: "devo/pipeline.tfstate", use_lockfile: true },
    access: { mode: "devo" },
  };
}

export const ALARM_EMAIL = "secops@example.com";
export const EXISTING_ALARM_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:pagerduty-bridge`;
export const SUBSCRIBED_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:vpc-enricher:live`;

/**
 * Failures made loud (issue 19, point 4): fan-out and EventBridge together, an alarm topic created with an e-mail
 * subscription, an existing topic notified too, a shorter age threshold, and a Lambda function subscribed to a
 * fan-out topic (with the permission that lets SNS invoke it).
 */
export function alarmsScenario(): ScenarioConfig {
  const fanOut = fanOutScenario();
  return {
    ...fanOut,
    eventbridge: { security_hub: { enabled: true } },
    sns: {
      ...fanOut.sns,
      subscribers: [
        ...fanOut.sns.subscribers,
        { technology: "vpc", protocol: "lambda", endpoint: SUBSCRIBED_FUNCTION },
      ],
    },
    alarms: {
      create_topic: true,
      email_subscriptions: [ALARM_EMAIL],
      topic_arns: [EXISTING_ALARM_TOPIC],
      oldest_message_age_seconds: 1800,
    },
  };
}

/** The alarms scenario under the pipeline's created key: the alarm topic is encrypted with it. */
export function alarmsKmsScenario(): ScenarioConfig {
  return { ...alarmsScenario(), encryption: { mode: "kms" } };
}

export const WORKER_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/aws-devo-collector:0.1.0`;
export const WORKER_SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"];
export const WORKER_VPC = "vpc-0123456789abcdef0";

/** The smallest `worker` section: an ECR image, two subnets and the VPC for the created security group. */
export function ecsWorkerSection(): ScenarioConfig {
  return { deploy: "ecs", image: WORKER_IMAGE, subnet_ids: [...WORKER_SUBNETS], vpc_id: WORKER_VPC };
}

/** The collector queues of `directScenario()` (and of every scenario built on it). */
export const DIRECT_QUEUES = [
  "acme-cloudtrail",
  "acme-vpc",
  "acme-alb",
  "acme-elb",
  "acme-waf",
  "acme-dns",
  "acme-config",
  "acme-access-logs",
  "acme-cdn",
  "acme-app",
];

/**
 * The queues the ECS scenario scales on: the direct pipeline has ten collector queues, one more than a metric-math
 * alarm can watch beside the running task count, so AWS Config's (a few objects an hour) is read but not watched.
 */
export const ECS_SCALED_QUEUES = DIRECT_QUEUES.filter((queue) => queue !== "acme-config");

/**
 * The direct scenario read by our own worker on ECS Fargate instead of Devo: the same queues and objects, so the
 * task role must pass exactly the reader simulation of Devo's role. Created cluster, egress-only security group,
 * configuration in Parameter Store, certificate secrets created empty; scaling on ECS_SCALED_QUEUES.
 */
export function ecsWorkerScenario(): ScenarioConfig {
  return {
    ...directScenario(),
    access: { mode: "self_hosted" },
    worker: { ...ecsWorkerSection(), scaling: { queues: [...ECS_SCALED_QUEUES] } },
  };
}

/** The KMS scenario with the ECS worker: the created key also protects its configuration, secrets and logs. */
export function ecsWorkerKmsScenario(): ScenarioConfig {
  return { ...kmsScenario(), access: { mode: "self_hosted" }, worker: ecsWorkerSection() };
}

/**
 * Every configuration the synth tests build, by name: `terraform validate` and an offline `terraform plan` run on
 * each of them, as JSON and as HCL (test/infra/terraform-plan.test.ts). A scenario added to the tests belongs here.
 */
export function planScenarios(): Record<string, ScenarioConfig> {
  const ecsWith = (worker: ScenarioConfig): ScenarioConfig => {
    const scenario = ecsWorkerScenario();
    scenario.worker = { ...scenario.worker, ...worker };
    return scenario;
  };
  const secret = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
  return {
    direct: directScenario(),
    fanOut: fanOutScenario(),
    kms: kmsScenario(),
    givenKey: givenKeyScenario(),
    existingBucket: existingBucketScenario(),
    eventBridge: eventBridgeScenario(),
    alarms: alarmsScenario(),
    alarmsKms: alarmsKmsScenario(),
    ecsWorker: ecsWorkerScenario(),
    ecsWorkerKms: ecsWorkerKmsScenario(),
    ecsAged: ecsWith({ scaling: { queues: [...ECS_SCALED_QUEUES], max_message_age_seconds: 900 } }),
    ecsExistingCluster: ecsWith({
      cluster_arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/platform`,
      container_insights: true,
      security_group_ids: ["sg-0123456789abcdef0"],
      vpc_id: undefined,
    }),
    // An existing cluster without Container Insights: the service scales on its own CPUUtilization.
    ecsExistingClusterCpu: ecsWith({
      cluster_arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/platform`,
      security_group_ids: ["sg-0123456789abcdef0"],
      vpc_id: undefined,
      scaling: { queues: [...ECS_SCALED_QUEUES], metric: "cpu", max_message_age_seconds: 900 },
    }),
    ecsGivenSecrets: ecsWith({
      certificates: {
        chain_secret_arn: secret("devo/chain"),
        cert_secret_arn: secret("devo/cert"),
        key_secret_arn: secret("devo/key"),
      },
      config_store: "secrets_manager",
      secret_recovery_window_days: 0,
    }),
    ecsGivenKey: { ...ecsWorkerKmsScenario(), encryption: { mode: "kms", kms_key_arn: GIVEN_KEY_ARN } },
  };
}
