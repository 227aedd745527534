import assert from "node:assert/strict";
import type { Synth, SynthResource } from "./synth.ts";

/** The collector queue named `name`, its dead-letter queue, and the policies attached to the queue. */
export function queueParts(synth: Synth, name: string) {
  const queue = synth.one("aws_sqs_queue", (r) => r.config.name === name);
  const deadLetter = synth.one("aws_sqs_queue", (r) => r.config.name === `${name}-dlq`);
  const queueUrl = `\${${queue.address}.url}`;
  const policies = synth.ofType("aws_sqs_queue_policy").filter((p) => p.config.queue_url === queueUrl);
  return { queue, deadLetter, policies };
}

/**
 * DESIGN 6a's queue rules: standard queue, encryption explicitly on, a dead-letter queue with longer retention
 * that accepts redrives only from this queue, and exactly one policy document.
 */
export function assertHardenedQueue(
  synth: Synth,
  name: string,
  expected: { encryption: "sse-sqs" | { kmsKeyArn: string }; visibilityTimeout?: number; maxReceiveCount?: number },
): { queue: SynthResource; policy: SynthResource } {
  const { queue, deadLetter, policies } = queueParts(synth, name);
  assert.equal(queue.config.fifo_queue, undefined, `${name} must be a standard queue`);
  for (const q of [queue, deadLetter]) {
    if (expected.encryption === "sse-sqs") {
      assert.equal(q.config.sqs_managed_sse_enabled, true, `${q.config.name} has SSE-SQS on`);
      assert.equal(q.config.kms_master_key_id, undefined);
    } else {
      assert.equal(
        synth.value(q.config.kms_master_key_id),
        expected.encryption.kmsKeyArn,
        `${q.config.name} uses the key`,
      );
      assert.equal(q.config.sqs_managed_sse_enabled, undefined);
    }
  }
  assert.equal(queue.config.visibility_timeout_seconds, expected.visibilityTimeout ?? 300);
  assert.ok(
    (deadLetter.config.message_retention_seconds as number) > (queue.config.message_retention_seconds as number),
    `${name}: the dead-letter queue keeps messages longer than the queue`,
  );
  const queueArn = synth.value(`\${${queue.address}.arn}`);
  assert.deepEqual(synth.document(queue, "redrive_policy"), {
    deadLetterTargetArn: synth.value(`\${${deadLetter.address}.arn}`),
    maxReceiveCount: expected.maxReceiveCount ?? 5,
  });
  assert.deepEqual(synth.document(deadLetter, "redrive_allow_policy"), {
    redrivePermission: "byQueue",
    sourceQueueArns: [queueArn],
  });
  assert.equal(policies.length, 1, `${name} has exactly one queue policy`);
  const policy = synth.document(policies[0], "policy");
  for (const statement of policy.Statement)
    assert.equal(statement.Resource, queueArn, `${statement.Sid} names the queue`);
  return { queue, policy: policies[0] };
}

/** Every JSON-valued attribute must be a `jsonencode(...)` expression, never a pre-serialized string. */
export function assertJsonAttributesAreExpressions(synth: Synth): void {
  const jsonAttributes = ["policy", "assume_role_policy", "redrive_policy", "redrive_allow_policy", "event_pattern"];
  for (const r of synth.resources) {
    for (const attribute of jsonAttributes) {
      const value = r.config[attribute];
      if (value === undefined) continue;
      assert.match(
        String(value),
        /^\$\{jsonencode\(\{.*\}\)\}$/s,
        `${r.address}.${attribute} is rendered through jsonencode`,
      );
    }
  }
}

/** CloudWatch's limits for one alarm on metric math (PutMetricAlarm's Metrics, MetricDataQuery reference). */
export const ALARM_MAX_RETRIEVED_METRICS = 10;
export const ALARM_MAX_EXPRESSIONS = 10;
export const ALARM_MAX_QUERIES = 20;

/** One metric-math query list found in a synthesized resource, with what it holds. */
export interface MetricMathBlock {
  where: string;
  retrieved: number;
  expressions: number;
}

/**
 * Every metric-math query list of the stack (an alarm's `metric_query`, a target tracking policy's customized
 * `metrics`, wherever they sit) within what CloudWatch accepts in one alarm: at most 10 retrieved metrics, 10
 * expressions and 20 items, each item one or the other, and exactly one returning data. Target tracking on metric
 * math creates such alarms, so its list is held to the same. Returns what it checked, so tests can see it looked.
 */
export function assertMetricMathWithinAlarmLimits(synth: Synth): MetricMathBlock[] {
  const found: MetricMathBlock[] = [];
  const visit = (value: unknown, where: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        visit(item, `${where}[${i}]`);
      });
      return;
    }
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value)) {
      const path = `${where}.${key}`;
      if ((key === "metric_query" || key === "metrics") && Array.isArray(child) && child.every(isQuery)) {
        found.push(checkQueries(child, path));
      }
      visit(child, path);
    }
  };
  for (const resource of synth.resources) visit(resource.config, resource.address);
  return found;
}

function isQuery(item: unknown): item is Record<string, unknown> {
  return item !== null && typeof item === "object" && "id" in item;
}

function checkQueries(queries: Record<string, unknown>[], where: string): MetricMathBlock {
  const retrieves = (q: Record<string, unknown>) => q.metric_stat !== undefined || q.metric !== undefined;
  for (const q of queries) {
    assert.ok(
      retrieves(q) !== (q.expression !== undefined),
      `${where}: ${q.id} must either retrieve a metric or be an expression`,
    );
  }
  const block = {
    where,
    retrieved: queries.filter(retrieves).length,
    expressions: queries.filter((q) => q.expression !== undefined).length,
  };
  assert.ok(
    block.retrieved <= ALARM_MAX_RETRIEVED_METRICS,
    `${where} retrieves ${block.retrieved} metrics; a CloudWatch alarm takes at most ${ALARM_MAX_RETRIEVED_METRICS}`,
  );
  assert.ok(
    block.expressions <= ALARM_MAX_EXPRESSIONS,
    `${where} has ${block.expressions} expressions; a CloudWatch alarm takes at most ${ALARM_MAX_EXPRESSIONS}`,
  );
  assert.ok(queries.length <= ALARM_MAX_QUERIES, `${where} has ${queries.length} queries, over ${ALARM_MAX_QUERIES}`);
  // ReturnData defaults to true: only the one series the alarm watches may leave it on.
  assert.equal(queries.filter((q) => q.return_data !== false).length, 1, `${where}: exactly one series returns data`);
  return block;
}
