import zlib from "node:zlib";
import { ObjectReadError } from "./object-read-error.ts";
import { ZstdFrameChecker } from "./zstd-frame-checker.ts";

/**
 * Compressed bytes handed to the decoder at once. zstd turns 4 bytes (an RLE block) into up to 128 KiB, so a whole
 * 64 KiB network chunk of a bomb is gigabytes: the decoder gets small slices, and each slice's output is read
 * (with backpressure) before the next slice is written.
 */
const SLICE_BYTES = 4 * 1024;
/** Output chunks of the decoder, as gzip's (fewer round trips to the thread pool than zlib's 16 KiB). */
const OUTPUT_CHUNK_BYTES = 128 * 1024;

/**
 * One zstd decoder for one frame, fed by hand and read in paused mode: node:zlib (Node 24 and Deno 2 alike) stops
 * decoding while its readable buffer is full and goes on when it is read, so at most about one output chunk plus
 * the stream's high-water mark is ever decoded ahead of the reader.
 */
class FrameDecoder {
  private readonly decoder: zlib.ZstdDecompress;
  private failure: Error | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor() {
    if (typeof zlib.createZstdDecompress !== "function") {
      throw new ObjectReadError(
        "zstd: this runtime's node:zlib has no zstd support (Node.js >= 23.8 or Deno 2 needed)",
      );
    }
    this.decoder = zlib.createZstdDecompress({ chunkSize: OUTPUT_CHUNK_BYTES });
    const notify = () => {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    };
    this.decoder.on("readable", notify);
    this.decoder.on("end", () => {
      this.ended = true;
      notify();
    });
    this.decoder.on("error", (error: Error) => {
      this.failure ??= error;
      notify();
    });
    // A decoder destroyed by an error it reported earlier never ends: its close ends the wait instead.
    this.decoder.on("close", () => {
      this.ended = true;
      notify();
    });
  }

  /** Decodes `bytes` (part of this frame), yielding the output as the reader takes it. */
  async *write(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) {
      let written = false;
      this.decoder.write(bytes.subarray(offset, offset + SLICE_BYTES), (error) => {
        if (error) this.failure ??= error;
        written = true;
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
      });
      yield* this.drain(() => written);
    }
  }

  /** Ends the frame, yielding what the decoder still holds. */
  async *end(): AsyncGenerator<Uint8Array> {
    this.decoder.end();
    yield* this.drain(() => this.ended);
  }

  destroy(): void {
    this.decoder.destroy();
  }

  /** Reads output until `done()` holds and nothing is buffered; each read lets the decoder go on. */
  private async *drain(done: () => boolean): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk: Uint8Array | null = this.decoder.read();
      if (chunk !== null) {
        yield chunk;
        continue;
      }
      if (done()) {
        if (this.failure) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

/**
 * Decompresses a zstd stream of any number of frames, streaming: a new decoder for each frame (node:zlib's stops
 * after the first), and an ObjectReadError when the stream does not end on a frame boundary. What it decodes
 * ahead of its reader stays within a few hundred KiB, whatever the compression ratio (zstd bombs included).
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
          yield* decoder.write(chunk.subarray(start, end));
        }
        if (decoder) yield* decoder.end();
        decoder = undefined;
        start = end;
      }
      if (start < chunk.length) {
        decoder ??= new FrameDecoder();
        yield* decoder.write(chunk.subarray(start));
      }
    }
    const problem = frames.finish();
    if (problem) throw new ObjectReadError(`zstd: ${problem}`);
    if (decoder) yield* decoder.end();
  } finally {
    decoder?.destroy();
  }
}
