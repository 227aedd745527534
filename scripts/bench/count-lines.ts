import { createReadStream, existsSync } from "node:fs";

/** Newline count of a file, streamed (bench outputs are hundreds of MB). */
export async function countLines(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  let lines = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>) {
    let at = chunk.indexOf(10);
    while (at !== -1) {
      lines++;
      at = chunk.indexOf(10, at + 1);
    }
  }
  return lines;
}
