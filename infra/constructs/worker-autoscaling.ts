import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy/index.js";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target/index.js";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js";
import { Construct } from "constructs";
import { type EcsWorkerConfig, MAX_SCALED_QUEUES } from "../worker-config.ts";

export interface WorkerAutoscalingProps {
  clusterName: string;
  /** A reference to the service's name, so the target waits for the service. */
  serviceName: string;
  /**
   * The collector queues the worker reads (names, as SQS's CloudWatch dimension takes them). The policies watch
   * all of them, or `scaling.queues` when given.
   */
  queueNames: readonly string[];
  scaling: EcsWorkerConfig["scaling"];
}

/**
 * Scales the worker service between `min_tasks` and `max_tasks` on the backlog per task: the visible messages of
 * every collector queue, summed, divided by the running tasks (Container Insights' RunningTaskCount, so the
 * cluster needs Container Insights); or, with `scaling.metric: cpu`, on the service's average CPUUtilization
 * (AWS/ECS, free), which follows the work the tasks do rather than the work waiting for them. Target
 * tracking adds tasks quickly when the backlog per task passes the target and removes them slowly (the scale-in
 * cooldown, plus target tracking's own 15 minutes of low readings), because every removed task hands its
 * in-flight messages back to the queue.
 *
 * With `max_message_age_seconds`, a second policy adds tasks when the oldest message of any collector queue
 * reaches that age: step scaling driven by a CloudWatch alarm, scale-out only, so scale-in stays with target
 * tracking alone.
 *
 * Both watch at most MAX_SCALED_QUEUES queues: CloudWatch's limit on metrics in one metric-math alarm. The
 * configuration rules refuse more with the YAML path; the check here only keeps a direct caller from building a
 * stack that synthesizes and then fails at `terraform apply`.
 */
export class WorkerAutoscaling extends Construct {
  readonly target: AppautoscalingTarget;
  readonly policy: AppautoscalingPolicy;
  readonly agePolicy?: AppautoscalingPolicy;
  readonly ageAlarm?: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: WorkerAutoscalingProps) {
    super(scope, id);
    this.target = new AppautoscalingTarget(this, "target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${props.clusterName}/${props.serviceName}`,
      minCapacity: props.scaling.minTasks,
      maxCapacity: props.scaling.maxTasks,
    });
    const queueNames = scaledQueues(props.queueNames, props.scaling.queues);
    this.policy = new AppautoscalingPolicy(this, "backlog-per-task", {
      name: props.scaling.metric === "cpu" ? "cpu-utilization" : "backlog-per-task",
      policyType: "TargetTrackingScaling",
      serviceNamespace: this.target.serviceNamespace,
      scalableDimension: this.target.scalableDimension,
      resourceId: this.target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        scaleOutCooldown: props.scaling.scaleOutCooldownSeconds,
        scaleInCooldown: props.scaling.scaleInCooldownSeconds,
        ...(props.scaling.metric === "cpu"
          ? {
              targetValue: props.scaling.cpuTargetPercent,
              // AWS/ECS CPUUtilization of the service: reported for every Fargate service, no Container Insights.
              predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
            }
          : {
              targetValue: props.scaling.backlogPerTask,
              customizedMetricSpecification: backlogPerTask(props.clusterName, props.serviceName, queueNames),
            }),
      },
    });
    const maxAge = props.scaling.maxMessageAgeSeconds;
    if (maxAge !== undefined) {
      this.agePolicy = new AppautoscalingPolicy(this, "oldest-message-age", {
        name: "oldest-message-age",
        policyType: "StepScaling",
        serviceNamespace: this.target.serviceNamespace,
        scalableDimension: this.target.scalableDimension,
        resourceId: this.target.resourceId,
        stepScalingPolicyConfiguration: {
          adjustmentType: "ChangeInCapacity",
          cooldown: props.scaling.scaleOutCooldownSeconds,
          metricAggregationType: "Maximum",
          // Bounds are relative to the alarm's threshold: one task more from the age limit, two from twice it.
          // No step below the threshold and no negative adjustment: this policy never removes a task.
          stepAdjustment: [
            { metricIntervalLowerBound: "0", metricIntervalUpperBound: String(maxAge), scalingAdjustment: 1 },
            { metricIntervalLowerBound: String(maxAge), scalingAdjustment: 2 },
          ],
        },
      });
      this.ageAlarm = new CloudwatchMetricAlarm(this, "oldest-message-age-alarm", {
        alarmName: `${props.serviceName}-oldest-message-age`,
        alarmDescription: `Oldest message of a collector queue is ${maxAge} s old or older: add worker tasks`,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: maxAge,
        // Three one-minute periods: one slow object does not add a task, a stuck backlog does.
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        // Idle queues stop reporting; no data is no backlog.
        treatMissingData: "notBreaching",
        alarmActions: [this.agePolicy.arn],
        metricQuery: [
          ...queueNames.map((queueName, i) => ({
            id: `age${i}`,
            label: `Oldest message in ${queueName}`,
            returnData: false,
            metric: {
              namespace: "AWS/SQS",
              metricName: "ApproximateAgeOfOldestMessage",
              dimensions: { QueueName: queueName },
              period: 60,
              stat: "Maximum",
            },
          })),
          {
            id: "oldest",
            label: "Oldest message of any collector queue (seconds)",
            expression: `MAX([${queueNames.map((_, i) => `age${i}`).join(", ")}])`,
            returnData: true,
          },
        ],
      });
    }
  }
}

/** The queues the policies watch, in the pipeline's order; refuses what CloudWatch would refuse at apply time. */
function scaledQueues(all: readonly string[], chosen: readonly string[] | undefined): readonly string[] {
  if (chosen !== undefined) {
    const unknown = chosen.filter((name) => !all.includes(name));
    if (unknown.length > 0) {
      throw new Error(`worker.scaling.queues names queues the worker does not read: ${unknown.join(", ")}`);
    }
  }
  const watched = chosen === undefined ? all : all.filter((name) => chosen.includes(name));
  if (watched.length > MAX_SCALED_QUEUES) {
    throw new Error(
      `the worker's scaling policies would watch ${watched.length} queues; CloudWatch's metric-math alarms hold at ` +
        `most ${MAX_SCALED_QUEUES} of them (plus the running task count): set worker.scaling.queues`,
    );
  }
  return watched;
}

/**
 * Visible messages of the watched queues, summed, per running task: the running task count is Container Insights'
 * RunningTaskCount (the configuration rules make sure the cluster has it).
 */
function backlogPerTask(clusterName: string, serviceName: string, queueNames: readonly string[]) {
  const queueIds = queueNames.map((_, i) => `queue${i}`);
  return {
    metrics: [
      ...queueNames.map((queueName, i) => ({
        id: queueIds[i],
        label: `Visible messages in ${queueName}`,
        returnData: false,
        metricStat: {
          stat: "Sum",
          metric: {
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: [{ name: "QueueName", value: queueName }],
          },
        },
      })),
      {
        id: "tasks",
        label: "Running worker tasks",
        returnData: false,
        metricStat: {
          stat: "Average",
          metric: {
            namespace: "ECS/ContainerInsights",
            metricName: "RunningTaskCount",
            dimensions: [
              { name: "ClusterName", value: clusterName },
              { name: "ServiceName", value: serviceName },
            ],
          },
        },
      },
      {
        id: "backlogpertask",
        label: "Visible messages per running task",
        // SUM over the list keeps a queue without a data point (idle queues stop reporting) from blanking the sum.
        expression: `SUM([${queueIds.join(", ")}]) / tasks`,
        returnData: true,
      },
    ],
  };
}
