/** Outputs that cannot make a hand-off, with every problem found, each naming the output it is about. */
export class HandoffError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`cannot build the hand-off from ${source}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "HandoffError";
    this.problems = problems;
  }
}
