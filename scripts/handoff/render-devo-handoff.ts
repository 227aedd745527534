import type { Handoff } from "./build-handoff.ts";

/**
 * What Devo asks for to read a customer's queues (one collector per technology): the service, the queue URL and
 * region, the role to assume and its ExternalId. The JSON is for automation, the Markdown for the e-mail or
 * ticket to Devo; both carry exactly the same facts.
 */
export function renderHandoffJson(handoff: Handoff, generatedAt: Date): string {
  const document = {
    generated_at: generatedAt.toISOString(),
    source: handoff.source,
    aws_account_id: handoff.accountId,
    region: handoff.region,
    role_arn: handoff.roleArn,
    external_id: handoff.externalId,
    ...(handoff.bucket === undefined ? {} : { bucket: handoff.bucket }),
    collectors: handoff.queues.map((queue) => ({
      technology: queue.technology,
      description: queue.label,
      devo_collector: queue.input === "sqs_collector" ? "AWS SQS collector" : "AWS collector",
      devo_service: queue.service,
      queue_url: queue.queueUrl,
      ...(queue.queueArn === undefined ? {} : { queue_arn: queue.queueArn }),
      region: queue.region,
      role_arn: handoff.roleArn,
      external_id: handoff.externalId,
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Markdown table cells must not break the row: pipes are escaped, values go in code spans. */
function code(value: string): string {
  return `\`${value.replace(/\|/g, "\\|")}\``;
}

export function renderHandoffMarkdown(handoff: Handoff, generatedAt: Date): string {
  const lines = [
    `# AWS → Devo hand-off for account ${handoff.accountId}`,
    "",
    `Generated ${generatedAt.toISOString()} from \`${handoff.source}\`${handoff.stack === undefined ? "" : ` (stack \`${handoff.stack}\`)`}.`,
    "",
    "Send this page to Devo (support ticket or your onboarding contact). For each technology below, Devo sets up",
    "one collector that assumes the role with the ExternalId and reads the queue. The ExternalId is not a password,",
    "but share it only with Devo: the role trusts Devo's principal only when the request carries it.",
    "",
    "| | |",
    "|---|---|",
    `| AWS account | ${code(handoff.accountId)} |`,
    `| Region | ${code(handoff.region)} |`,
    `| Role ARN (cross-account role) | ${code(handoff.roleArn)} |`,
    `| ExternalId | ${code(handoff.externalId)} |`,
    ...(handoff.bucket === undefined ? [] : [`| Log bucket | ${code(handoff.bucket)} |`]),
    "",
    "## Collectors",
    "",
    "| Technology | Devo collector | Devo service | SQS queue URL | Region |",
    "|---|---|---|---|---|",
    ...handoff.queues.map(
      (queue) =>
        `| ${queue.label} | ${queue.input === "sqs_collector" ? "AWS SQS collector" : "AWS collector"} | ${code(queue.service)} | ${code(queue.queueUrl)} | ${code(queue.region)} |`,
    ),
    "",
  ];
  for (const queue of handoff.queues) {
    lines.push(
      `### ${queue.label}`,
      "",
      `- Devo service: ${code(queue.service)} (${queue.input === "sqs_collector" ? "AWS SQS collector" : "AWS collector"})`,
      `- SQS queue URL: ${code(queue.queueUrl)}`,
      ...(queue.queueArn === undefined ? [] : [`- SQS queue ARN: ${code(queue.queueArn)}`]),
      `- Region: ${code(queue.region)}`,
      `- Role ARN: ${code(handoff.roleArn)}`,
      `- ExternalId: ${code(handoff.externalId)}`,
      "",
    );
  }
  return lines.join("\n");
}
