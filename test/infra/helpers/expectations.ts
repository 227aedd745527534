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
