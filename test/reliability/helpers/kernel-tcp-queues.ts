import { readFileSync } from "node:fs";

/**
 * Bytes Linux holds on IPv4 TCP connections involving `port`, from /proc/net/tcp: what receiving sockets on that
 * port have not read yet (`rx_queue`), and, when `senders` is set, what sockets sending to that port have not had
 * acknowledged (`tx_queue`). Elsewhere (no /proc) 0.
 */
export function kernelTcpBytes(port: number, options: { senders: boolean }): number {
  let table: string;
  try {
    table = readFileSync("/proc/net/tcp", "utf8");
  } catch {
    return 0;
  }
  const LISTEN = "0A";
  const portOf = (address: string) => Number.parseInt(address.split(":")[1], 16);
  let bytes = 0;
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const [, local, remote, state, queues] = fields;
    const [tx, rx] = queues.split(":").map((hex) => Number.parseInt(hex, 16));
    if (state !== LISTEN && portOf(local) === port) bytes += rx;
    if (options.senders && portOf(remote) === port) bytes += tx;
  }
  return bytes;
}
