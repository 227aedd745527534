import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target/index.js";
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
}

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
    });
  }
}
