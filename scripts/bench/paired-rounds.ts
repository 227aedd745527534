/**
 * Each run read against the measurements taken just before and just after it. This machine's speed drifts by up
 * to ±30% within a minute (shared host); a run compared with its neighbours in time cancels a steady drift, where
 * best-of-N against best-of-N compares the luckiest run of each, often minutes apart.
 *
 * `around[i]` was measured right before `runs[i]` and `around[i + 1]` right after it, so `around` has one more
 * entry than `runs`. Returns `runs[i]` divided by the mean of its two neighbours.
 */
export function againstNeighbours(runs: readonly number[], around: readonly number[]): number[] {
  if (around.length !== runs.length + 1) {
    throw new Error(
      `againstNeighbours: ${runs.length} runs need ${runs.length + 1} measurements around them, got ${around.length}`,
    );
  }
  return runs.map((value, i) => value / ((around[i] + around[i + 1]) / 2));
}
