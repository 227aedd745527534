import { CredentialCache } from "../aws/credential-cache.ts";
import type { Config } from "../config/load-config.ts";
import { InputClients, planApiPolls } from "../pipeline/build-sources.ts";
import { planQueues } from "../pipeline/queue-plan.ts";
import { type CheckResult, fail } from "./check-result.ts";
import { checkApiPoll, checkIdentity, checkQueue } from "./input-checks.ts";
import { checkOutput } from "./output-checks.ts";

/**
 * Every check of a validated configuration, in the order a person fixes things: each input's identity, its queues,
 * its API permissions, then each output. Checks that need the network run; none consumes a message or sends an
 * event. Planning problems (a service without a queue) are failures too.
 */
export async function runChecks(config: Config, certsDir: string, configSource: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const problems: string[] = [];
  const queues = planQueues(config.inputs, problems);
  const polls = planApiPolls(config.inputs, problems);
  for (const problem of problems) {
    const colon = problem.indexOf(": ");
    results.push(fail(problem.slice(0, colon), problem.slice(colon + 2)));
  }
  const credentials = new CredentialCache();
  const clients = new InputClients(credentials, configSource);
  const deps = { credentials, sqsFor: clients.sqsFor };
  try {
    for (const input of config.inputs) {
      const region =
        input.region ??
        queues.find((queue) => queue.input === input)?.region ??
        polls.find((poll) => poll.input === input)?.region;
      if (region !== undefined) results.push(await checkIdentity(input, region, deps));
      for (const queue of queues.filter((q) => q.input === input)) results.push(...(await checkQueue(queue, deps)));
      for (const poll of polls.filter((p) => p.input === input)) results.push(await checkApiPoll(poll, deps));
    }
  } finally {
    clients.destroy();
  }
  for (const [id, output] of Object.entries(config.outputs)) results.push(...(await checkOutput(id, output, certsDir)));
  return results;
}
