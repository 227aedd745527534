import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target/index.js";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { type AccountRegion, eventRuleArn } from "../../policies/arns.ts";
import { terraformJson } from "../terraform-json.ts";

export interface EventRuleToQueueProps {
  where: AccountRegion;
  ruleName: string;
  description: string;
  /** EventBridge event pattern, e.g. `{ source: ["aws.securityhub"], "detail-type": [...] }`. */
  eventPattern: Record<string, unknown>;
  /** The queue's real ARN (a resource attribute), so the target waits for the queue. */
  queueArn: string;
  /** The queue's dead-letter queue (real ARN), admitting the rule: events EventBridge cannot deliver go there. */
  deadLetterQueueArn: string;
  /** Depends on the dead-letter queue's policy, so no event is refused by it while the target is being set up. */
  dependsOn?: ITerraformDependable[];
}

/**
 * How long and how often EventBridge retries a delivery the queue refuses (throttling, a key it may not use)
 * before it hands the event to the dead-letter queue: the service's maximums, written out so a plan shows them.
 */
export const EVENT_TARGET_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 } as const;

/**
 * An EventBridge rule on the default bus that sends matching events to a collector queue. The queue's policy must
 * admit the rule (`QueueSender` eventbridge-rule with {@link EventRuleToQueue.ruleArn}).
 */
export class EventRuleToQueue extends Construct {
  readonly rule: CloudwatchEventRule;
  readonly target: CloudwatchEventTarget;
  /** Known at synth time, for the queue's policy. */
  readonly ruleArn: string;

  constructor(scope: Construct, id: string, props: EventRuleToQueueProps) {
    super(scope, id);
    this.ruleArn = eventRuleArn(props.where, props.ruleName);
    this.rule = new CloudwatchEventRule(this, "rule", {
      name: props.ruleName,
      description: props.description,
      eventPattern: terraformJson(props.eventPattern),
      state: "ENABLED",
    });
    this.target = new CloudwatchEventTarget(this, "target", {
      rule: this.rule.name,
      targetId: "collector-queue",
      arn: props.queueArn,
      deadLetterConfig: { arn: props.deadLetterQueueArn },
      retryPolicy: { ...EVENT_TARGET_RETRY },
      ...(props.dependsOn === undefined ? {} : { dependsOn: props.dependsOn }),
    });
  }
}
