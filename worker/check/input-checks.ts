import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchClient, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { SDK_RETRY, sdkRequestHandler } from "../aws/clients.ts";
import type { CredentialCache } from "../aws/credential-cache.ts";
import type { SqsApi } from "../aws/wire/sqs-wire-client.ts";
import type { ConfiguredInput } from "../config/load-config.ts";
import type { PlannedPoll } from "../pipeline/build-sources.ts";
import type { PlannedQueue } from "../pipeline/queue-plan.ts";
import { describeAwsError } from "../sources/api-retry.ts";
import { type CheckResult, fail, ok, warn } from "./check-result.ts";

/** What the AWS checks of one run share: each input's credentials, and SQS clients per input and region. */
export interface AwsCheckDeps {
  credentials: CredentialCache;
  sqsFor(input: ConfiguredInput, region: string): SqsApi;
}

function sdkConfig(input: ConfiguredInput, region: string, deps: AwsCheckDeps) {
  return {
    region,
    endpoint: input.endpoint_url,
    credentials: deps.credentials.get(input, region),
    requestHandler: sdkRequestHandler(),
    ...SDK_RETRY,
  };
}

/** Who the input is at AWS: GetCallerIdentity through its whole chain (static keys, base role, target role). */
export async function checkIdentity(input: ConfiguredInput, region: string, deps: AwsCheckDeps): Promise<CheckResult> {
  const where = `inputs.${input.name}.credentials`;
  const sts = new STSClient(sdkConfig(input, region, deps));
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return ok(where, `identity ${identity.Arn} (account ${identity.Account})`);
  } catch (error) {
    return fail(
      where,
      `${describeAwsError(error)}; check the keys, the role ARNs and the ExternalId, and that the role trusts the identity before it`,
    );
  } finally {
    sts.destroy();
  }
}

/**
 * A queue the configuration reads: it exists (found by name where Devo's keys name it), its attributes can be read
 * (the reader's sqs:GetQueueAttributes), it has a dead-letter queue, and whether it is encrypted with a KMS key the
 * reader must be allowed to use. Nothing is received: no message is consumed or hidden.
 */
export async function checkQueue(queue: PlannedQueue, deps: AwsCheckDeps): Promise<CheckResult[]> {
  const { input, region, ref, services } = queue;
  const names = services.map((s) => s.definition.name).join(", ");
  const where = `inputs.${input.name}.services.${names}`;
  const sqs = deps.sqsFor(input, region);
  let url: string;
  if ("url" in ref) {
    url = ref.url;
  } else {
    try {
      const found = await sqs.getQueueUrl({ QueueName: ref.name });
      url = found.QueueUrl ?? "";
    } catch (error) {
      return [fail(`${ref.path}`, `queue '${ref.name}' in ${region}: ${describeAwsError(error)}`)];
    }
  }
  let attributes: Record<string, string>;
  try {
    const answer = await sqs.getQueueAttributes({ QueueUrl: url, AttributeNames: ["All"] });
    attributes = (answer.Attributes ?? {}) as Record<string, string>;
  } catch (error) {
    return [
      fail(
        where,
        `queue ${url}: ${describeAwsError(error)}; the reader needs sqs:GetQueueAttributes and sqs:ReceiveMessage on it`,
      ),
    ];
  }
  const results = [
    ok(
      where,
      `queue ${url} in ${region}: reachable, ${attributes.ApproximateNumberOfMessages ?? "?"} messages waiting`,
    ),
  ];
  const redrive = attributes.RedrivePolicy;
  if (redrive === undefined) {
    results.push(
      warn(
        where,
        `queue ${url} has no dead-letter queue: a message that always fails is retried until its retention ends`,
      ),
    );
  } else {
    const policy = JSON.parse(redrive) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    results.push(ok(where, `dead-letter queue ${policy.deadLetterTargetArn} after ${policy.maxReceiveCount} receives`));
  }
  const visibility = Number(attributes.VisibilityTimeout);
  if (Number.isFinite(visibility) && visibility < input.sqs_visibility_timeout) {
    results.push(
      ok(
        where,
        `queue visibility timeout ${visibility} s; the worker asks for ${input.sqs_visibility_timeout} s per receive (sqs_visibility_timeout) and extends it while it works`,
      ),
    );
  }
  if (attributes.KmsMasterKeyId !== undefined && attributes.KmsMasterKeyId !== "") {
    results.push(
      warn(
        where,
        `queue encrypted with KMS key ${attributes.KmsMasterKeyId}: the reader needs kms:Decrypt on it (not checked: no message is read)`,
      ),
    );
  }
  return results;
}

/** One cheap call per API service and region, with the service's own permission. */
export async function checkApiPoll(poll: PlannedPoll, deps: AwsCheckDeps): Promise<CheckResult> {
  const { input, service, kind, region } = poll;
  const where = `inputs.${input.name}.services.${service.definition.name}`;
  const config = sdkConfig(input, region, deps);
  try {
    if (kind === "cloudtrail-api") {
      const client = new CloudTrailClient(config);
      try {
        await client.send(new LookupEventsCommand({ MaxResults: 1 }));
      } finally {
        client.destroy();
      }
      return ok(where, `cloudtrail:LookupEvents in ${region} allowed`);
    }
    if (kind === "cloudwatch-metrics") {
      const client = new CloudWatchClient(config);
      try {
        await client.send(new ListMetricsCommand({}));
      } finally {
        client.destroy();
      }
      return ok(where, `cloudwatch:ListMetrics in ${region} allowed`);
    }
    const client = new CloudWatchLogsClient(config);
    try {
      await client.send(new DescribeLogGroupsCommand({ limit: 1 }));
    } finally {
      client.destroy();
    }
    return ok(where, `logs:DescribeLogGroups in ${region} allowed`);
  } catch (error) {
    return fail(where, `in ${region}: ${describeAwsError(error)}`);
  }
}
