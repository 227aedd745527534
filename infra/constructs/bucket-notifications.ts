import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification/index.js";
import { type ITerraformDependable, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { describeOverlap, findFilterOverlaps } from "../validation/notification-filters.ts";

export interface NotificationRouteProps {
  /** Names the route in errors and becomes the S3 configuration id. */
  id: string;
  destination: { kind: "queue" | "topic" | "lambda"; arn: string };
  events: readonly string[];
  prefix: string;
  suffix: string;
}

export interface BucketNotificationsProps {
  bucketName: string;
  routes: readonly NotificationRouteProps[];
  /**
   * The destination policies. S3 checks that it may send to each destination when the configuration is written,
   * so the queue (or topic) policies must be in place first.
   */
  dependsOn: ITerraformDependable[];
  /** S3's delivery of every event to EventBridge, part of the same configuration. */
  eventBridge?: boolean;
}

/** Buckets that already have their notification resource, per stack. */
const claimedBuckets = new WeakMap<TerraformStack, Set<string>>();

/**
 * The bucket's notification configuration: exactly one `aws_s3_bucket_notification` per bucket (the resource
 * owns the whole configuration, so a second one would silently replace the first on every apply), routes that
 * S3 will accept (no overlapping filters for an event type), created after the destination policies.
 */
export class BucketNotifications extends Construct {
  readonly resource: S3BucketNotification;

  constructor(scope: Construct, id: string, props: BucketNotificationsProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    const claimed = claimedBuckets.get(stack) ?? new Set<string>();
    claimedBuckets.set(stack, claimed);
    if (claimed.has(props.bucketName)) {
      throw new Error(
        `bucket ${props.bucketName} already has a notification configuration in stack ${stack.node.id}; ` +
          "put every route into one BucketNotifications",
      );
    }
    claimed.add(props.bucketName);

    const overlaps = findFilterOverlaps(
      props.routes.map((r) => ({ origin: r.id, events: r.events, prefix: r.prefix, suffix: r.suffix })),
    );
    if (overlaps.length > 0) {
      throw new Error(`bucket ${props.bucketName}: ${overlaps.map(describeOverlap).join("; ")}`);
    }
    const ids = new Set<string>();
    for (const route of props.routes) {
      if (ids.has(route.id))
        throw new Error(`bucket ${props.bucketName}: notification route id ${route.id} is used twice`);
      ids.add(route.id);
    }

    const filter = (r: NotificationRouteProps) => ({
      id: r.id,
      events: [...r.events],
      ...(r.prefix === "" ? {} : { filterPrefix: r.prefix }),
      ...(r.suffix === "" ? {} : { filterSuffix: r.suffix }),
    });
    const queues = props.routes.filter((r) => r.destination.kind === "queue");
    const topics = props.routes.filter((r) => r.destination.kind === "topic");
    const functions = props.routes.filter((r) => r.destination.kind === "lambda");
    this.resource = new S3BucketNotification(this, "notification", {
      bucket: props.bucketName,
      ...(queues.length === 0 ? {} : { queue: queues.map((r) => ({ ...filter(r), queueArn: r.destination.arn })) }),
      ...(topics.length === 0 ? {} : { topic: topics.map((r) => ({ ...filter(r), topicArn: r.destination.arn })) }),
      ...(functions.length === 0
        ? {}
        : { lambdaFunction: functions.map((r) => ({ ...filter(r), lambdaFunctionArn: r.destination.arn })) }),
      ...(props.eventBridge ? { eventbridge: true } : {}),
      dependsOn: props.dependsOn,
    });
  }
}
