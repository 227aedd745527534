import zlib from "node:zlib";
import { ObjectReadError } from "./object-read-error.ts";
import { ZstdFrameChecker } from "./zstd-frame-checker.ts";

/** One zstd decoder fed by hand: returns what each write produced, so frames can be cut apart. */
class FrameDecoder {
  private readonly decoder: zlib.ZstdDecompress;
  private output: Uint8Array[] = [];
  private failure: Error | undefined;

  constructor() {
    if (typeof zlib.createZstdDecompress !== "function") {
      throw new ObjectReadError(
        "zstd: this runtime's node:zlib has no zstd support (Node.js >= 23.8 or Deno 2 needed)",
      );
    }
    this.decoder = zlib.createZstdDecompress();
    this.decoder.on("data", (chunk: Uint8Array) => this.output.push(chunk));
    this.decoder.on("error", (error: Error) => {
      this.failure = error;
    });
  }

  async write(bytes: Uint8Array): Promise<Uint8Array[]> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      // A decoder that fails on this input may destroy itself without calling back: its error settles the wait.
      const onError = (error: Error) => reject(error);
      this.decoder.once("error", onError);
      this.decoder.write(bytes, (error) => {
        this.decoder.off("error", onError);
        if (error) reject(error);
        else resolve();
      });
    });
    return this.take();
  }

  async end(): Promise<Uint8Array[]> {
    if (this.failure) throw this.failure;
    const ended = new Promise<void>((resolve, reject) => {
      this.decoder.once("end", resolve);
      this.decoder.once("error", reject);
      // A decoder destroyed by an error it reported earlier never ends: its close settles the wait instead.
      this.decoder.once("close", () => (this.failure ? reject(this.failure) : resolve()));
    });
    this.decoder.end();
    await ended;
    return this.take();
  }

  destroy(): void {
    this.decoder.destroy();
  }

  private take(): Uint8Array[] {
    if (this.failure) throw this.failure;
    const output = this.output;
    this.output = [];
    return output;
  }
}

/**
 * Decompresses a zstd stream of any number of frames, streaming: a new decoder for each frame (node:zlib's stops
 * after the first), and an ObjectReadError when the stream does not end on a frame boundary.
 */
export async function* inflateZstd(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const frames = new ZstdFrameChecker();
  let decoder: FrameDecoder | undefined;
  try {
    for await (const chunk of input) {
      let start = 0;
      for (const end of frames.push(chunk)) {
        if (end > start) {
          decoder ??= new FrameDecoder();
          yield* await decoder.write(chunk.subarray(start, end));
        }
        if (decoder) yield* await decoder.end();
        decoder = undefined;
        start = end;
      }
      if (start < chunk.length) {
        decoder ??= new FrameDecoder();
        yield* await decoder.write(chunk.subarray(start));
      }
    }
    const problem = frames.finish();
    if (problem) throw new ObjectReadError(`zstd: ${problem}`);
    if (decoder) yield* await decoder.end();
  } finally {
    decoder?.destroy();
  }
}
