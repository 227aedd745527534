import { Buffer } from "node:buffer";
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * The test's record of what must arrive and what did. Every worker process writes its own jsonl file in `dir`
 * (a SIGKILL can leave a torn last line; a fresh file per process keeps it from gluing onto the next run's first
 * line). At each deletion the proxy reports, the ledger reads what has been written so far and checks that every
 * event of every object the message announced is there: a deletion before delivery is a violation.
 */
export class DeliveryLedger {
  readonly #dir: string;
  readonly #expected = new Map<string, string[]>();
  readonly #announcedBy = new Map<string, string[]>();
  readonly #offsets = new Map<string, number>();
  readonly #counts = new Map<string, number>();
  readonly violations: string[] = [];
  lines = 0;
  tornLines = 0;
  deletions = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  expect(key: string, eventIds: string[]): void {
    this.#expected.set(key, eventIds);
  }

  /** Hook for the proxy: a message the worker received. */
  received = (receiptHandle: string, body: string): void => {
    this.#announcedBy.set(receiptHandle, announcedKeys(body));
  };

  /**
   * Waits, before a deletion is checked, for output still on its way to the receiver that writes the ledger's file
   * (see `LineReceiver.caughtUp`). Unset for the workers' own file outputs: they count a write once it is in the file.
   */
  beforeCheck: (() => Promise<void>) | undefined;

  /** Hook for the proxy: the worker is about to delete this message. */
  deleting = async (receiptHandle: string): Promise<void> => {
    this.deletions++;
    const keys = this.#announcedBy.get(receiptHandle);
    if (!keys) return;
    await this.beforeCheck?.();
    this.refresh();
    for (const key of keys) {
      const ids = this.#expected.get(key);
      if (!ids) continue;
      const missing = ids.filter((id) => !this.#counts.has(id)).length;
      if (missing > 0)
        this.violations.push(`message for ${key} deleted with ${missing} of ${ids.length} events not yet delivered`);
    }
  };

  /** Reads what the workers appended since the last call. */
  refresh(): void {
    if (!existsSync(this.#dir)) return;
    for (const name of readdirSync(this.#dir)
      .filter((n) => n.endsWith(".jsonl"))
      .sort()) {
      const path = join(this.#dir, name);
      const from = this.#offsets.get(path) ?? 0;
      const size = statSync(path).size;
      if (size <= from) continue;
      const buffer = Buffer.alloc(size - from);
      const fd = openSync(path, "r");
      try {
        readSync(fd, buffer, 0, buffer.byteLength, from);
      } finally {
        closeSync(fd);
      }
      const end = buffer.lastIndexOf(10);
      if (end < 0) continue;
      this.#offsets.set(path, from + end + 1);
      for (const line of buffer.subarray(0, end).toString("utf8").split("\n")) {
        if (line.length === 0) continue;
        this.lines++;
        const id = eventIdOf(line);
        if (id === undefined) {
          this.tornLines++;
          continue;
        }
        this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
      }
    }
  }

  /** Expected events not delivered at all, and deliveries beyond the first (duplicates). */
  result(): { expected: number; delivered: number; missing: number; duplicates: number; violations: string[] } {
    this.refresh();
    let expected = 0;
    let missing = 0;
    for (const ids of this.#expected.values()) {
      expected += ids.length;
      for (const id of ids) if (!this.#counts.has(id)) missing++;
    }
    let duplicates = 0;
    for (const count of this.#counts.values()) duplicates += count - 1;
    return { expected, delivered: this.#counts.size, missing, duplicates, violations: this.violations };
  }
}

function eventIdOf(line: string): string | undefined {
  try {
    const event = JSON.parse(line) as { message: string };
    return (JSON.parse(event.message) as { eventID?: string }).eventID;
  } catch {
    return undefined;
  }
}

/** Object keys of an S3 event notification, direct or wrapped in SNS. */
export function announcedKeys(body: string): string[] {
  try {
    let parsed = JSON.parse(body) as {
      Records?: { s3?: { object?: { key?: string } } }[];
      Type?: string;
      Message?: string;
    };
    if (parsed.Type === "Notification" && typeof parsed.Message === "string") parsed = JSON.parse(parsed.Message);
    return (parsed.Records ?? []).flatMap((r) =>
      r.s3?.object?.key ? [decodeURIComponent(r.s3.object.key.replace(/\+/g, " "))] : [],
    );
  } catch {
    return [];
  }
}
