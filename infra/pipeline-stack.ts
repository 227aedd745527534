import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { type ITerraformDependable, LocalBackend, S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  type AccountRegion,
  alarmArnPattern,
  bucketArn,
  eventRuleArn,
  objectsArn,
  roleArn,
  topicArn,
  trailArn,
} from "../policies/arns.ts";
import { buildLogBucketPolicy } from "../policies/bucket-policy.ts";
import { buildKeyPolicy } from "../policies/key-policy.ts";
import type { LogProducer, ProducerGrant } from "../policies/log-producer-statements.ts";
import type { QueueSender } from "../policies/queue-policy.ts";
import type { TopicPublisherBucket } from "../policies/topic-policy.ts";
import type { BucketConfig, PipelineConfig, S3Technology, TrailConfig } from "./config.ts";
import { BucketNotifications, type NotificationRouteProps } from "./constructs/bucket-notifications.ts";
import { CrossAccountRole } from "./constructs/cross-account-role.ts";
import { EcsWorker } from "./constructs/ecs-worker.ts";
import { EncryptionKey } from "./constructs/encryption-key.ts";
import { EventRuleToQueue } from "./constructs/event-rule-to-queue.ts";
import { FanOutTopic } from "./constructs/fan-out-topic.ts";
import { GeneratedExternalId } from "./constructs/generated-external-id.ts";
import { LogBucket } from "./constructs/log-bucket.ts";
import { LogBucketPolicy } from "./constructs/log-bucket-policy.ts";
import { LogQueue, type LogQueueProps, type QueueEncryption } from "./constructs/log-queue.ts";
import { LogTrail } from "./constructs/log-trail.ts";
import { PipelineAlarms, type WatchedQueue } from "./constructs/pipeline-alarms.ts";
import { ReaderPolicy } from "./constructs/reader-policy.ts";
import { addPipelineOutputs, type QueueHandOff } from "./pipeline-outputs.ts";
import { S3_TECHNOLOGIES } from "./technologies.ts";
import { workerNames } from "./worker-names.ts";

type SharedQueueSettings = Omit<LogQueueProps, "name" | "senders">;

/**
 * The `hashicorp/aws` versions customers get. The cdktf bindings would pin one exact release (the one they were
 * generated from, 6.25.0); the range is what `terraform validate` and `terraform plan` were run against
 * (test/infra/terraform-plan.test.ts, provider 5.100.0 from the machine's mirror). 6.x is left out until the stack
 * has been planned under it.
 */
export const AWS_PROVIDER_VERSION = ">= 5.100.0, < 6.0.0";
/** `terraform_data` needs 1.4; S3-native state locking (`backend.use_lockfile`) needs 1.10. */
export const TERRAFORM_VERSION = ">= 1.4.0";
export const TERRAFORM_VERSION_WITH_LOCKFILE = ">= 1.10.0";

/**
 * The customer-side pipeline built from a validated {@link PipelineConfig}: bucket, optional trail, one queue
 * (with dead-letter queue) per technology, S3 notifications direct or through SNS fan-out, EventBridge rules,
 * an optional KMS key, the reader policy and either Devo's cross-account role or an attachment to our worker's
 * role. Every policy document comes from `policies/`; ARNs in policies are built from names so that no
 * resource waits on another in a cycle.
 */
export class PipelineStack extends TerraformStack {
  private readonly config: PipelineConfig;
  private readonly where: AccountRegion;
  /** The trail the stack creates, if any. */
  private readonly trail?: TrailConfig;
  private readonly trailArn?: string;
  private readonly ruleArns: string[];
  /** Collector queues and object prefixes the reader policy grants, filled while queues are created. */
  private readonly queueArns: string[] = [];
  private readonly objectArns: string[] = [];
  private readonly handOff: Record<string, QueueHandOff> = {};
  /** Every collector queue with its dead-letter queue, for the alarms. */
  private readonly watchedQueues: WatchedQueue[] = [];

  constructor(scope: Construct, config: PipelineConfig) {
    super(scope, config.stackName);
    this.config = config;
    this.where = { partition: config.partition, account: config.account, region: config.region };
    this.trail = config.trail?.create ? config.trail : undefined;
    this.trailArn = this.trail === undefined ? undefined : trailArn(this.where, this.trail.name);
    this.ruleArns = config.eventRules.map((r) => eventRuleArn(this.where, r.ruleName));

    new AwsProvider(this, "aws", {
      region: config.region,
      allowedAccountIds: [config.account],
      ...(Object.keys(config.tags).length === 0 ? {} : { defaultTags: [{ tags: config.tags }] }),
    });
    this.addBackend();
    this.addOverride("terraform.required_providers.aws", { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION });
    const lockfile = config.backend.type === "s3" && config.backend.useLockfile;
    this.addOverride("terraform.required_version", lockfile ? TERRAFORM_VERSION_WITH_LOCKFILE : TERRAFORM_VERSION);

    const bucket = config.bucket;
    if (bucket === undefined && (config.technologies.length > 0 || this.trail !== undefined)) {
      throw new Error("technologies and the trail need bucket in the configuration");
    }
    const keyArn = this.addEncryptionKey();
    const queueSettings: SharedQueueSettings = {
      where: this.where,
      visibilityTimeoutSeconds: config.queues.visibilityTimeoutSeconds,
      messageRetentionSeconds: config.queues.messageRetentionSeconds,
      deadLetterRetentionSeconds: config.queues.deadLetterRetentionSeconds,
      maxReceiveCount: config.queues.maxReceiveCount,
      receiveWaitTimeSeconds: config.queues.receiveWaitTimeSeconds,
      encryption: keyArn === undefined ? { kind: "sse-sqs" } : ({ kind: "kms", keyArn } satisfies QueueEncryption),
    };
    if (bucket !== undefined) {
      const bucketPolicy = this.addBucket(bucket, keyArn);
      this.addTechnologyQueues(bucket, queueSettings, keyArn, bucketPolicy);
      if (this.trail !== undefined) this.addTrail(bucket, this.trail, keyArn, bucketPolicy);
    }
    this.addEventRuleQueues(queueSettings);
    this.addAccessAndOutputs(keyArn);
  }

  private addBackend(): void {
    const backend = this.config.backend;
    if (backend.type === "local") {
      new LocalBackend(this, { path: backend.path });
      return;
    }
    const s3 = new S3Backend(this, {
      bucket: backend.bucket,
      key: backend.key,
      region: backend.region,
      encrypt: true,
      ...(backend.dynamodbTable === undefined ? {} : { dynamodbTable: backend.dynamodbTable }),
    });
    if (backend.useLockfile) s3.addOverride("use_lockfile", true);
  }

  private get ourBucket(): TopicPublisherBucket | undefined {
    const bucket = this.config.bucket;
    return bucket === undefined
      ? undefined
      : { bucketArn: bucketArn(this.where.partition, bucket.name), bucketAccount: this.config.account };
  }

  private topicName(technology: S3Technology): string {
    return `${this.config.namePrefix}-${technology.name.replaceAll("_", "-")}-fanout`;
  }

  private externalBuckets(technology: S3Technology): TopicPublisherBucket[] {
    return this.config.sns.externalBuckets
      .filter((b) => b.technology === technology.name)
      .map((b) => ({ bucketArn: bucketArn(this.where.partition, b.bucket), bucketAccount: b.account }));
  }

  private get producerGrants(): ProducerGrant[] {
    return this.config.technologies.flatMap((t) => {
      const producer = S3_TECHNOLOGIES[t.type].producer;
      return producer === undefined ? [] : [{ producer, keyPrefixes: t.filters.map((f) => f.prefix) }];
    });
  }

  /** Whether the bucket's default encryption is the pipeline key (only for a bucket the stack creates). */
  private get bucketUsesKey(): boolean {
    const { bucket, encryption } = this.config;
    return bucket?.create === true && encryption.mode === "kms" && encryption.bucketEncryption === "kms";
  }

  /** The pipeline's key: given, or created with a policy admitting every service that uses it. */
  private addEncryptionKey(): string | undefined {
    const { encryption, technologies, sns, namePrefix } = this.config;
    if (encryption.mode !== "kms") return undefined;
    if (encryption.existingKeyArn !== undefined) return encryption.existingKeyArn;
    const ourBucket = this.ourBucket;
    const notifyingBuckets =
      ourBucket === undefined || technologies.length === 0
        ? []
        : [ourBucket, ...(sns.enabled ? technologies.flatMap((t) => this.externalBuckets(t)) : [])];
    const key = new EncryptionKey(this, "encryption-key", {
      aliasName: namePrefix,
      description: `Log pipeline ${namePrefix}: queues, topics, bucket objects and trail`,
      deletionWindowDays: encryption.deletionWindowDays,
      policy: buildKeyPolicy({
        where: this.where,
        // CloudTrail needs the key both when it encrypts files itself and when the bucket's default does.
        // The trail encrypts with the key whenever the bucket's default is the key (config forces trail.kms then):
        // S3's default encryption on CloudTrail's behalf would not carry the context the key policy requires.
        trailArns: this.trailArn !== undefined && this.trail?.kms ? [this.trailArn] : [],
        notifyingBuckets,
        topicArns: sns.enabled ? technologies.map((t) => topicArn(this.where, this.topicName(t))) : [],
        eventRuleArns: this.ruleArns,
        producers: new Set<LogProducer>(
          // Producers encrypt with the key only when it is the bucket's default, except GuardDuty, which
          // always encrypts its exports with a key it is given.
          this.producerGrants.map((g) => g.producer).filter((p) => this.bucketUsesKey || p === "guardduty"),
        ),
        logGroupArns: this.config.worker === undefined ? [] : [this.workerLogGroupArn],
        alarmArnPattern: this.alarmTopicCreated ? alarmArnPattern(this.where, `${namePrefix}-`) : undefined,
      }),
    });
    return key.keyArn;
  }

  private get workerLogGroupArn(): string {
    const { partition, region, account } = this.where;
    return `arn:${partition}:logs:${region}:${account}:log-group:${workerNames(this.config.namePrefix).logGroup}`;
  }

  /** The bucket (when the stack creates it) and its policy (when the stack manages it). */
  private addBucket(bucket: BucketConfig, keyArn: string | undefined): ITerraformDependable | undefined {
    const document = buildLogBucketPolicy({
      where: this.where,
      bucket: bucket.name,
      cloudTrail:
        this.trail === undefined || this.trailArn === undefined
          ? undefined
          : { trailArn: this.trailArn, keyPrefix: this.trail.keyPrefix, organizationId: this.trail.organizationId },
      producers: this.producerGrants,
    });
    if (bucket.create) {
      return new LogBucket(this, "log-bucket", {
        name: bucket.name,
        forceDestroy: bucket.forceDestroy,
        encryption: this.bucketUsesKey && keyArn !== undefined ? { kind: "kms", keyArn } : { kind: "sse-s3" },
        lifecycle: bucket.lifecycle,
        policy: document,
      }).policy.resource;
    }
    if (bucket.managePolicy) {
      return new LogBucketPolicy(this, "log-bucket-policy", { bucketName: bucket.name, document }).resource;
    }
    return undefined;
  }

  /** A queue per technology, its fan-out topic when SNS is on, and the bucket's one notification resource. */
  private addTechnologyQueues(
    bucket: BucketConfig,
    queueSettings: SharedQueueSettings,
    keyArn: string | undefined,
    bucketPolicy: ITerraformDependable | undefined,
  ): void {
    const { technologies, sns } = this.config;
    const ourBucket = this.ourBucket;
    if (ourBucket === undefined || technologies.length === 0) return;
    const routes: NotificationRouteProps[] = [];
    const destinationPolicies: ITerraformDependable[] = [];
    for (const technology of technologies) {
      const topicName = this.topicName(technology);
      const sender: QueueSender = sns.enabled
        ? { kind: "sns-topic", topicArn: topicArn(this.where, topicName) }
        : { kind: "s3-bucket", ...ourBucket };
      const queue = new LogQueue(this, `queue-${technology.name}`, {
        ...queueSettings,
        name: technology.queueName,
        senders: [sender],
        // What the topic cannot deliver to the queue goes to the queue's dead-letter queue (redrive policy).
        deadLetterSenders: sender.kind === "sns-topic" ? [sender] : [],
      });
      destinationPolicies.push(queue.policy);
      if (queue.deadLetterPolicy !== undefined) destinationPolicies.push(queue.deadLetterPolicy);
      let destination: NotificationRouteProps["destination"] = { kind: "queue", arn: queue.queue.arn };
      if (sns.enabled) {
        const topic = new FanOutTopic(this, `fan-out-${technology.name}`, {
          where: this.where,
          name: topicName,
          kmsKeyArn: keyArn,
          publishers: [ourBucket, ...this.externalBuckets(technology)],
          subscribers: [
            {
              protocol: "sqs",
              endpoint: queue.queue.arn,
              rawMessageDelivery: sns.rawMessageDelivery,
              deadLetterQueueArn: queue.deadLetterQueue.arn,
            },
            ...sns.subscribers.filter((s) => s.technology === technology.name),
          ],
        });
        destinationPolicies.push(topic.policy);
        destination = { kind: "topic", arn: topic.topic.arn };
      }
      technology.filters.forEach((filter, index) => {
        routes.push({
          id: index === 0 ? technology.name : `${technology.name}-${index}`,
          destination,
          events: filter.events,
          prefix: filter.prefix,
          suffix: filter.suffix,
        });
        this.objectArns.push(objectsArn(this.where.partition, bucket.name, filter.prefix));
      });
      for (const external of sns.externalBuckets.filter((b) => b.technology === technology.name)) {
        this.objectArns.push(objectsArn(this.where.partition, external.bucket, external.prefix));
      }
      const notifying = [
        { bucket: bucket.name, owner: this.config.account },
        ...sns.externalBuckets
          .filter((b) => b.technology === technology.name)
          .map((b) => ({ bucket: b.bucket, owner: b.account })),
      ];
      this.recordQueue(technology.name, technology.type, technology.service, queue, notifying);
    }
    for (const carried of bucket.carryOverNotifications) {
      routes.push({ ...carried, destination: carried.destination });
    }
    new BucketNotifications(this, "bucket-notifications", {
      bucketName: bucket.name,
      routes,
      eventBridge: bucket.carryOverEventBridge,
      dependsOn: [...destinationPolicies, ...(bucketPolicy === undefined ? [] : [bucketPolicy])],
    });
  }

  private addEventRuleQueues(queueSettings: SharedQueueSettings): void {
    this.config.eventRules.forEach((eventRule, index) => {
      const sender = { kind: "eventbridge-rule", ruleArn: this.ruleArns[index] } as const;
      const queue = new LogQueue(this, `queue-${eventRule.name}`, {
        ...queueSettings,
        name: eventRule.queueName,
        senders: [sender],
        deadLetterSenders: [sender],
      });
      new EventRuleToQueue(this, `event-rule-${eventRule.name}`, {
        where: this.where,
        ruleName: eventRule.ruleName,
        description: `Sends ${eventRule.name.replace("_", " ")} to the collector queue ${eventRule.queueName}`,
        eventPattern: eventRule.eventPattern,
        queueArn: queue.queue.arn,
        deadLetterQueueArn: queue.deadLetterQueue.arn,
        dependsOn: queue.deadLetterPolicy === undefined ? [] : [queue.deadLetterPolicy],
      });
      this.recordQueue(eventRule.name, eventRule.name, eventRule.service, queue, []);
    });
  }

  private recordQueue(
    name: string,
    type: string,
    service: string,
    queue: LogQueue,
    buckets: QueueHandOff["buckets"],
  ): void {
    this.queueArns.push(queue.queueArn);
    this.handOff[name] = {
      buckets,
      type,
      service,
      queueUrl: queue.queue.url,
      queueArn: queue.queue.arn,
      deadLetterQueueUrl: queue.deadLetterQueue.url,
    };
    this.watchedQueues.push({
      technology: name,
      queueName: queue.queueName,
      deadLetterQueueName: queue.deadLetterQueueName,
    });
  }

  /** Whether the stack creates a topic for its alarms. */
  private get alarmTopicCreated(): boolean {
    return this.config.alarms.enabled && this.config.alarms.createTopic;
  }

  /** Alarms on every dead-letter queue and every queue's oldest message, and where they are sent. */
  private addAlarms(keyArn: string | undefined): PipelineAlarms | undefined {
    const { alarms, namePrefix } = this.config;
    if (!alarms.enabled) return undefined;
    return new PipelineAlarms(this, "alarms", {
      where: this.where,
      namePrefix,
      queues: this.watchedQueues,
      oldestMessageAgeSeconds: alarms.oldestMessageAgeSeconds,
      topic: alarms.createTopic ? { emailSubscriptions: alarms.emailSubscriptions, kmsKeyArn: keyArn } : undefined,
      topicArns: alarms.topicArns,
    });
  }

  private addTrail(
    bucket: BucketConfig,
    trail: TrailConfig,
    keyArn: string | undefined,
    bucketPolicy: ITerraformDependable | undefined,
  ): void {
    if (bucketPolicy === undefined) throw new Error("a trail needs the bucket policy that admits CloudTrail");
    new LogTrail(this, "trail", {
      name: trail.name,
      bucketName: bucket.name,
      keyPrefix: trail.keyPrefix,
      managementEvents: trail.managementEvents,
      excludeManagementEventSources: trail.excludeManagementEventSources,
      dataEvents: trail.dataEvents,
      insights: trail.insights,
      kmsKeyArn: trail.kms ? keyArn : undefined,
      organization: trail.organizationId !== undefined,
      excludedObjectArnPrefixes: [`${bucketArn(this.where.partition, bucket.name)}/`],
      dependsOn: [bucketPolicy],
    });
  }

  /** Who reads: the reader policy, held by Devo's cross-account role or by our worker's own role; then outputs. */
  private addAccessAndOutputs(keyArn: string | undefined): void {
    const { config } = this;
    const bucketKey = config.bucket?.create === false ? config.bucket.existingKmsKeyArn : undefined;
    const reader = new ReaderPolicy(this, "reader-policy", {
      name: config.readerPolicyName,
      queueArns: this.queueArns,
      objectArns: this.objectArns,
      kmsKeyArns: [keyArn, bucketKey].filter((arn): arn is string => arn !== undefined),
      region: config.region,
    });
    let collectorRoleArn = "";
    let externalId = "";
    if (config.access.mode === "devo") {
      const generated =
        config.access.externalId === undefined ? new GeneratedExternalId(this, "external-id") : undefined;
      externalId = config.access.externalId ?? generated?.value ?? "";
      collectorRoleArn = new CrossAccountRole(this, "collector-role", {
        roleName: config.access.roleName,
        trustedRoleArn: config.access.trustedRoleArn,
        externalId,
        externalIdKnownAtDeploy: generated !== undefined,
        readerPolicy: reader,
        maxSessionDurationSeconds: config.access.maxSessionDurationSeconds,
      }).roleArn;
    } else if (config.access.workerRoleName !== undefined) {
      reader.attachToRole("attach-to-worker-role", config.access.workerRoleName);
      collectorRoleArn = roleArn(this.where.partition, config.account, config.access.workerRoleName);
    }
    const worker = this.addWorker(reader, keyArn);
    const alarms = this.addAlarms(keyArn);
    // The ECS worker's task role is the collector's role (validation requires self_hosted access with it).
    if (worker !== undefined) collectorRoleArn = worker.taskRoleArn;
    addPipelineOutputs(this, {
      technologies: this.handOff,
      accessMode: config.access.mode,
      roleArn: collectorRoleArn,
      externalId,
      readerPolicyArn: reader.policyArn,
      bucket: config.bucket?.name ?? "",
      region: config.region,
      accountId: config.account,
      kmsKeyArn: keyArn ?? "",
      alarmTopicArn: alarms?.topicArn ?? "",
      alarmNames: alarms?.alarmNames ?? [],
      worker,
    });
  }

  /** Our worker as an ECS Fargate service, when `worker` is configured; its task role holds the reader policy. */
  private addWorker(reader: ReaderPolicy, keyArn: string | undefined): EcsWorker | undefined {
    const { worker, encryption, technologies, eventRules, namePrefix } = this.config;
    if (worker === undefined) return undefined;
    const keyCreatedHere = encryption.mode === "kms" && encryption.existingKeyArn === undefined;
    return new EcsWorker(this, "worker", {
      where: this.where,
      names: workerNames(namePrefix),
      worker,
      readerPolicy: reader,
      queueNames: [...technologies, ...eventRules].map((t) => t.queueName),
      kmsKeyArn: keyArn,
      // Only a key whose policy this stack wrote admits CloudWatch Logs for the log group.
      logKmsKeyArn: keyCreatedHere ? keyArn : undefined,
    });
  }
}
