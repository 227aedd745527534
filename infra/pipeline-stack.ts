import { AwsProvider } from "@cdktf/provider-aws/lib/provider/index.js";
import { type ITerraformDependable, LocalBackend, S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  type AccountRegion,
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
import type { PipelineConfig, S3Technology } from "./config.ts";
import { BucketNotifications, type NotificationRouteProps } from "./constructs/bucket-notifications.ts";
import { CrossAccountRole } from "./constructs/cross-account-role.ts";
import { EncryptionKey } from "./constructs/encryption-key.ts";
import { EventRuleToQueue } from "./constructs/event-rule-to-queue.ts";
import { FanOutTopic } from "./constructs/fan-out-topic.ts";
import { GeneratedExternalId } from "./constructs/generated-external-id.ts";
import { LogBucket } from "./constructs/log-bucket.ts";
import { LogBucketPolicy } from "./constructs/log-bucket-policy.ts";
import { LogQueue, type QueueEncryption } from "./constructs/log-queue.ts";
import { LogTrail } from "./constructs/log-trail.ts";
import { ReaderPolicy } from "./constructs/reader-policy.ts";
import { addPipelineOutputs, type QueueHandOff } from "./pipeline-outputs.ts";
import { S3_TECHNOLOGIES } from "./technologies.ts";

/**
 * The customer-side pipeline built from a validated {@link PipelineConfig}: bucket, optional trail, one queue
 * (with dead-letter queue) per technology, S3 notifications direct or through SNS fan-out, EventBridge rules,
 * an optional KMS key, the reader policy and either Devo's cross-account role or an attachment to our worker's
 * role. Every policy document comes from `policies/`; ARNs in policies are built from names so that no
 * resource waits on another in a cycle.
 */
export class PipelineStack extends TerraformStack {
  constructor(scope: Construct, config: PipelineConfig) {
    super(scope, config.stackName);
    new AwsProvider(this, "aws", {
      region: config.region,
      allowedAccountIds: [config.account],
      ...(Object.keys(config.tags).length === 0 ? {} : { defaultTags: [{ tags: config.tags }] }),
    });

    if (config.backend.type === "local") {
      new LocalBackend(this, { path: config.backend.path });
    } else {
      const backend = new S3Backend(this, {
        bucket: config.backend.bucket,
        key: config.backend.key,
        region: config.backend.region,
        encrypt: true,
        ...(config.backend.dynamodbTable === undefined ? {} : { dynamodbTable: config.backend.dynamodbTable }),
      });
      if (config.backend.useLockfile) backend.addOverride("use_lockfile", true);
    }

    const where: AccountRegion = { partition: config.partition, account: config.account, region: config.region };
    const prefix = config.namePrefix;
    const ourBucket = { bucketArn: bucketArn(where.partition, config.bucket.name), bucketAccount: config.account };
    const trail = config.trail?.create ? config.trail : undefined;
    const ourTrailArn = trail === undefined ? undefined : trailArn(where, trail.name);
    const fanOut = config.sns.enabled;
    const topicNameOf = (t: S3Technology) => `${prefix}-${t.name.replaceAll("_", "-")}-fanout`;
    const externalBucketsOf = (t: S3Technology): TopicPublisherBucket[] =>
      config.sns.externalBuckets
        .filter((b) => b.technology === t.name)
        .map((b) => ({ bucketArn: bucketArn(where.partition, b.bucket), bucketAccount: b.account }));
    const ruleArns = config.eventRules.map((r) => eventRuleArn(where, r.ruleName));

    // Encryption: the pipeline's key (given, or created with a policy admitting every service that uses it).
    const kms = config.encryption.mode === "kms" ? config.encryption : undefined;
    const bucketUsesKey = config.bucket.create && kms?.bucketEncryption === "kms";
    const producerGrants: ProducerGrant[] = config.technologies.flatMap((t) => {
      const producer = S3_TECHNOLOGIES[t.type].producer;
      return producer === undefined ? [] : [{ producer, keyPrefixes: t.filters.map((f) => f.prefix) }];
    });
    let keyArn: string | undefined;
    if (kms !== undefined) {
      if (kms.existingKeyArn !== undefined) {
        keyArn = kms.existingKeyArn;
      } else {
        const notifyingBuckets = fanOut
          ? [ourBucket, ...config.technologies.flatMap(externalBucketsOf)]
          : config.technologies.length > 0
            ? [ourBucket]
            : [];
        const key = new EncryptionKey(this, "encryption-key", {
          aliasName: prefix,
          description: `Log pipeline ${prefix}: queues, topics, bucket objects and trail`,
          deletionWindowDays: kms.deletionWindowDays,
          policy: buildKeyPolicy({
            where,
            // CloudTrail needs the key both when it encrypts files itself and when the bucket's default does.
            trailArns: ourTrailArn !== undefined && (trail?.kms || bucketUsesKey) ? [ourTrailArn] : [],
            notifyingBuckets,
            topicArns: fanOut ? config.technologies.map((t) => topicArn(where, topicNameOf(t))) : [],
            eventRuleArns: ruleArns,
            producers: new Set<LogProducer>(
              // Producers encrypt with the key only when it is the bucket's default, except GuardDuty, which
              // always encrypts its exports with a key it is given.
              producerGrants.map((g) => g.producer).filter((p) => bucketUsesKey || p === "guardduty"),
            ),
          }),
        });
        keyArn = key.keyArn;
      }
    }
    const queueEncryption: QueueEncryption = keyArn === undefined ? { kind: "sse-sqs" } : { kind: "kms", keyArn };

    // Bucket and its policy.
    const bucketPolicyDocument = buildLogBucketPolicy({
      where,
      bucket: config.bucket.name,
      cloudTrail:
        ourTrailArn === undefined || trail === undefined
          ? undefined
          : { trailArn: ourTrailArn, keyPrefix: trail.keyPrefix },
      producers: producerGrants,
    });
    let bucketPolicy: ITerraformDependable | undefined;
    if (config.bucket.create) {
      const bucket = new LogBucket(this, "log-bucket", {
        name: config.bucket.name,
        forceDestroy: config.bucket.forceDestroy,
        encryption: bucketUsesKey && keyArn !== undefined ? { kind: "kms", keyArn } : { kind: "sse-s3" },
        lifecycle: config.bucket.lifecycle,
        policy: bucketPolicyDocument,
      });
      bucketPolicy = bucket.policy.resource;
    } else if (config.bucket.managePolicy) {
      bucketPolicy = new LogBucketPolicy(this, "log-bucket-policy", {
        bucketName: config.bucket.name,
        document: bucketPolicyDocument,
      }).resource;
    }

    // Queues, fan-out topics and the routes of the bucket's one notification configuration.
    const handOff: Record<string, QueueHandOff> = {};
    const routes: NotificationRouteProps[] = [];
    const destinationPolicies: ITerraformDependable[] = [];
    const queueSettings = {
      where,
      visibilityTimeoutSeconds: config.queues.visibilityTimeoutSeconds,
      messageRetentionSeconds: config.queues.messageRetentionSeconds,
      deadLetterRetentionSeconds: config.queues.deadLetterRetentionSeconds,
      maxReceiveCount: config.queues.maxReceiveCount,
      encryption: queueEncryption,
    };
    const objectArns: string[] = [];
    const queueArns: string[] = [];

    for (const technology of config.technologies) {
      const topicName = topicNameOf(technology);
      const sender: QueueSender = fanOut
        ? { kind: "sns-topic", topicArn: topicArn(where, topicName) }
        : { kind: "s3-bucket", ...ourBucket };
      const queue = new LogQueue(this, `queue-${technology.name}`, {
        ...queueSettings,
        name: technology.queueName,
        senders: [sender],
      });
      destinationPolicies.push(queue.policy);
      queueArns.push(queue.queueArn);
      let destination: NotificationRouteProps["destination"] = { kind: "queue", arn: queue.queue.arn };
      if (fanOut) {
        const topic = new FanOutTopic(this, `fan-out-${technology.name}`, {
          where,
          name: topicName,
          kmsKeyArn: keyArn,
          publishers: [ourBucket, ...externalBucketsOf(technology)],
          subscribers: [
            { protocol: "sqs", endpoint: queue.queue.arn, rawMessageDelivery: config.sns.rawMessageDelivery },
            ...config.sns.subscribers.filter((s) => s.technology === technology.name),
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
        objectArns.push(objectsArn(where.partition, config.bucket.name, filter.prefix));
      });
      for (const external of config.sns.externalBuckets.filter((b) => b.technology === technology.name)) {
        objectArns.push(objectsArn(where.partition, external.bucket, external.prefix));
      }
      handOff[technology.name] = {
        type: technology.type,
        service: technology.service,
        queueUrl: queue.queue.url,
        queueArn: queue.queue.arn,
        deadLetterQueueUrl: queue.deadLetterQueue.url,
      };
    }

    config.eventRules.forEach((eventRule, index) => {
      const queue = new LogQueue(this, `queue-${eventRule.name}`, {
        ...queueSettings,
        name: eventRule.queueName,
        senders: [{ kind: "eventbridge-rule", ruleArn: ruleArns[index] }],
      });
      queueArns.push(queue.queueArn);
      new EventRuleToQueue(this, `event-rule-${eventRule.name}`, {
        where,
        ruleName: eventRule.ruleName,
        description: `Sends ${eventRule.name.replace("_", " ")} to the collector queue ${eventRule.queueName}`,
        eventPattern: eventRule.eventPattern,
        queueArn: queue.queue.arn,
      });
      handOff[eventRule.name] = {
        type: eventRule.name,
        service: eventRule.service,
        queueUrl: queue.queue.url,
        queueArn: queue.queue.arn,
        deadLetterQueueUrl: queue.deadLetterQueue.url,
      };
    });

    if (routes.length > 0) {
      new BucketNotifications(this, "bucket-notifications", {
        bucketName: config.bucket.name,
        routes,
        dependsOn: [...destinationPolicies, ...(bucketPolicy === undefined ? [] : [bucketPolicy])],
      });
    }

    if (trail !== undefined) {
      if (bucketPolicy === undefined) throw new Error("a trail needs the bucket policy that admits CloudTrail");
      new LogTrail(this, "trail", {
        name: trail.name,
        bucketName: config.bucket.name,
        keyPrefix: trail.keyPrefix,
        managementEvents: trail.managementEvents,
        excludeManagementEventSources: trail.excludeManagementEventSources,
        dataEvents: trail.dataEvents,
        insights: trail.insights,
        kmsKeyArn: trail.kms ? keyArn : undefined,
        excludedObjectArnPrefixes: [`${ourBucket.bucketArn}/`],
        dependsOn: [bucketPolicy],
      });
    }

    // Who reads: the reader policy, held by Devo's cross-account role or by our worker's own role.
    const kmsKeyArns = [keyArn, config.bucket.create ? undefined : config.bucket.existingKmsKeyArn].filter(
      (arn): arn is string => arn !== undefined,
    );
    const reader = new ReaderPolicy(this, "reader-policy", {
      name: config.readerPolicyName,
      queueArns,
      objectArns,
      kmsKeyArns,
    });
    let collectorRoleArn = "";
    let externalId = "";
    if (config.access.mode === "devo") {
      const generated =
        config.access.externalId === undefined ? new GeneratedExternalId(this, "external-id") : undefined;
      externalId = config.access.externalId ?? generated?.value ?? "";
      const role = new CrossAccountRole(this, "collector-role", {
        roleName: config.access.roleName,
        trustedRoleArn: config.access.trustedRoleArn,
        externalId,
        externalIdKnownAtDeploy: generated !== undefined,
        readerPolicy: reader,
        maxSessionDurationSeconds: config.access.maxSessionDurationSeconds,
      });
      collectorRoleArn = role.roleArn;
    } else if (config.access.workerRoleName !== undefined) {
      reader.attachToRole("attach-to-worker-role", config.access.workerRoleName);
      collectorRoleArn = roleArn(where.partition, config.account, config.access.workerRoleName);
    }

    addPipelineOutputs(this, {
      technologies: handOff,
      accessMode: config.access.mode,
      roleArn: collectorRoleArn,
      externalId,
      readerPolicyArn: reader.policyArn,
      bucket: config.bucket.name,
      region: config.region,
      accountId: config.account,
      kmsKeyArn: keyArn ?? "",
    });
  }
}
