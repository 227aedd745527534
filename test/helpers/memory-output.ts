import type { Output } from "../../worker/outputs/output.ts";
import type { DevoEvent } from "../../worker/pipeline/event.ts";

/**
 * An output that keeps what it is sent, for tests of the pipeline's delivery semantics (the real outputs have
 * their own tests against syslog-ng and files). It can be told to fail or to be slow.
 */
export class MemoryOutput implements Output {
  readonly id: string;
  readonly events: DevoEvent[] = [];
  /** While set, `send` rejects with this message. */
  failWith: string | undefined;
  /** The next this-many sends reject (then `send` works again). */
  failNext = 0;
  /** Each `send` waits this long before it resolves. */
  delayMs = 0;
  sends = 0;
  closed = false;

  constructor(id = "memory") {
    this.id = id;
  }

  async send(batch: readonly DevoEvent[]): Promise<void> {
    this.sends++;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failWith !== undefined) throw new Error(this.failWith);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("output down (test)");
    }
    this.events.push(...batch);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  countByMessage(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const event of this.events) counts.set(event.message, (counts.get(event.message) ?? 0) + 1);
    return counts;
  }
}
