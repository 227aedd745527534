import type { Handoff, HandoffQueue } from "./build-handoff.ts";
import { AWS_COLLECTOR_QUEUE_KEY } from "./technologies.ts";

/**
 * What Devo asks for to read a customer's queues (one collector per technology): the service, the queue URL and
 * region, the role to assume and its ExternalId. The JSON is for automation, the Markdown for the e-mail or
 * ticket to Devo; both carry exactly the same facts.
 */

function collectorKind(queue: HandoffQueue): string {
  return queue.input === "sqs_collector" ? "AWS SQS collector" : "AWS collector";
}

/** The setting under which Devo's AWS collector takes this queue by name; undefined for the SQS collector. */
function queueNameKey(queue: HandoffQueue): string | undefined {
  return queue.input === "aws" ? AWS_COLLECTOR_QUEUE_KEY[queue.service] : undefined;
}

export function renderHandoffJson(handoff: Handoff, generatedAt: Date): string {
  const access = {
    ...(handoff.roleArn === undefined ? {} : { role_arn: handoff.roleArn }),
    ...(handoff.externalId === undefined ? {} : { external_id: handoff.externalId }),
  };
  const document = {
    generated_at: generatedAt.toISOString(),
    source: handoff.source,
    access_mode: handoff.accessMode,
    aws_account_id: handoff.accountId,
    region: handoff.region,
    ...access,
    ...(handoff.bucket === undefined ? {} : { bucket: handoff.bucket }),
    collectors: handoff.queues.map((queue) => ({
      name: queue.name,
      technology: queue.technology,
      description: queue.label,
      devo_collector: collectorKind(queue),
      devo_service: queue.service,
      queue_url: queue.queueUrl,
      ...(queueNameKey(queue) === undefined
        ? {}
        : { queue_name: queue.queueName, queue_name_setting: queueNameKey(queue) }),
      ...(queue.queueArn === undefined ? {} : { queue_arn: queue.queueArn }),
      region: queue.region,
      ...access,
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Markdown table cells must not break the row: pipes are escaped, values go in code spans. */
function code(value: string): string {
  return `\`${value.replace(/\|/g, "\\|")}\``;
}

export function renderHandoffMarkdown(handoff: Handoff, generatedAt: Date): string {
  const selfHosted = handoff.accessMode === "self_hosted";
  const lines = [
    `# AWS → Devo hand-off for account ${handoff.accountId}`,
    "",
    `Generated ${generatedAt.toISOString()} from \`${handoff.source}\`${handoff.stack === undefined ? "" : ` (stack \`${handoff.stack}\`)`}.`,
    "",
    ...(selfHosted
      ? [
          "**Self-hosted stack**: Devo does not read these queues; our own worker does, with its instance or task role",
          "(see `worker-config.yaml`). Nothing here needs to go to Devo except the Devo domain you send to.",
        ]
      : [
          "Send this page to Devo (support ticket or your onboarding contact). For each technology below, Devo sets up",
          "one collector that assumes the role with the ExternalId and reads the queue. The ExternalId is not a password,",
          "but share it only with Devo: the role trusts Devo's principal only when the request carries it.",
        ]),
    "",
    "| | |",
    "|---|---|",
    `| AWS account | ${code(handoff.accountId)} |`,
    `| Region | ${code(handoff.region)} |`,
    ...(handoff.roleArn === undefined
      ? []
      : [`| Role ARN${selfHosted ? " (worker role)" : " (cross-account role)"} | ${code(handoff.roleArn)} |`]),
    ...(handoff.externalId === undefined ? [] : [`| ExternalId | ${code(handoff.externalId)} |`]),
    ...(handoff.bucket === undefined ? [] : [`| Log bucket | ${code(handoff.bucket)} |`]),
    "",
    "## Collectors",
    "",
    "| Technology | Devo collector | Devo service | SQS queue URL | Region |",
    "|---|---|---|---|---|",
    ...handoff.queues.map(
      (queue) =>
        `| ${queue.label} | ${collectorKind(queue)} | ${code(queue.service)} | ${code(queue.queueUrl)} | ${code(queue.region)} |`,
    ),
    "",
  ];
  for (const queue of handoff.queues) {
    lines.push(
      `### ${queue.name}: ${queue.label}`,
      "",
      `- Devo service: ${code(queue.service)} (${collectorKind(queue)})`,
      `- SQS queue URL: ${code(queue.queueUrl)}`,
      ...(queueNameKey(queue) === undefined
        ? []
        : [`- SQS queue name (the AWS collector's ${code(queueNameKey(queue) ?? "")}): ${code(queue.queueName)}`]),
      ...(queue.queueArn === undefined ? [] : [`- SQS queue ARN: ${code(queue.queueArn)}`]),
      `- Region: ${code(queue.region)}`,
      ...(handoff.roleArn === undefined ? [] : [`- Role ARN: ${code(handoff.roleArn)}`]),
      ...(handoff.externalId === undefined ? [] : [`- ExternalId: ${code(handoff.externalId)}`]),
      ...(queue.service === "custom_service"
        ? ["- Needs from you: the file format and the Devo table (custom_service `file_format` and `routing_template`)"]
        : []),
      "",
    );
  }
  return lines.join("\n");
}
