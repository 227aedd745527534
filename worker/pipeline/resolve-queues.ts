import type { SqsApi } from "../aws/wire/sqs-wire-client.ts";
import { ConfigError } from "../config/load-config.ts";
import { describeCause } from "../sources/sqs/describe-cause.ts";
import { mergeService, type PlannedQueue } from "./queue-plan.ts";

/** A planned queue with its URL: names resolved in their region, under the input's credentials. */
export interface ResolvedQueue extends Omit<PlannedQueue, "ref"> {
  url: string;
  /** The name as configured, when the queue was named (for logs). */
  name?: string;
}

/** Errors of GetQueueUrl that a restart will not fix: the configuration or the permissions must change. */
const PERMANENT = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "AccessDenied"]);

/**
 * Resolves Devo's queue names with GetQueueUrl, each in its region with the input's credentials (the queue is in
 * the account of the role the input assumes). Queues given by URL need no call. Two references to one queue (a name
 * and its URL) end up as one reader. A queue that does not exist, or may not be looked up, is a {@link ConfigError}
 * naming input, service key, region and name; any other failure (network, throttling past the retries) is thrown
 * as it is, so that the process fails and a supervisor retries it.
 */
export async function resolveQueues(
  planned: readonly PlannedQueue[],
  sqsFor: (queue: PlannedQueue) => SqsApi,
  configSource: string,
): Promise<ResolvedQueue[]> {
  const problems: string[] = [];
  const resolved = await Promise.all(
    planned.map(async (queue): Promise<ResolvedQueue | undefined> => {
      const { ref, ...rest } = queue;
      if ("url" in ref) return { ...rest, url: ref.url };
      try {
        const { QueueUrl } = await sqsFor(queue).getQueueUrl({ QueueName: ref.name });
        if (QueueUrl === undefined) throw new Error("GetQueueUrl returned no QueueUrl");
        return { ...rest, url: QueueUrl, name: ref.name };
      } catch (error) {
        const code = (error as { name?: string }).name ?? "";
        if (!PERMANENT.has(code)) throw error;
        problems.push(
          `${ref.path}: queue '${ref.name}' ${code === "AccessDenied" ? "may not be looked up" : "does not exist"} in region ${queue.region} (GetQueueUrl with the credentials of input ${queue.input.name}: ${describeCause(error)})`,
        );
        return undefined;
      }
    }),
  );
  if (problems.length > 0) throw new ConfigError(configSource, problems);
  const byUrl = new Map<string, ResolvedQueue>();
  for (const queue of resolved) {
    if (queue === undefined) continue;
    const key = `${queue.input.name}|${queue.url}`;
    const same = byUrl.get(key);
    if (same === undefined) byUrl.set(key, queue);
    else for (const service of queue.services) mergeService(same.services, service);
  }
  return [...byUrl.values()];
}
