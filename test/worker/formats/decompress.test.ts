import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import fc from "fast-check";
import { decompress, sniffCompression } from "../../../worker/formats/decompress.ts";
import { ObjectReadError } from "../../../worker/formats/object-read-error.ts";
import { ZstdFrameChecker } from "../../../worker/formats/zstd-frame-checker.ts";
import { chunked } from "./read-helpers.ts";

async function inflate(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of decompress(body)) parts.push(part);
  return Buffer.concat(parts);
}

describe("decompress", () => {
  it("sniffs gzip, zstd and plain from the first bytes", () => {
    assert.equal(sniffCompression(zlib.gzipSync("x")), "gzip");
    assert.equal(sniffCompression(zlib.zstdCompressSync("x")), "zstd");
    assert.equal(sniffCompression(Buffer.from("{}")), "none");
    assert.equal(sniffCompression(new Uint8Array([0x1f])), "none");
  });

  it("reads every member of a multi-member gzip, whatever the chunking", async () => {
    const members = ["first member\n", "second\n", "", "third"].map((text) => zlib.gzipSync(text));
    const body = Buffer.concat(members);
    for (const size of [1, 3, 1000]) {
      assert.equal((await inflate(chunked(body, size))).toString(), "first member\nsecond\nthird");
    }
  });

  it("passes plain bodies through, including ones shorter than a magic number", async () => {
    assert.equal((await inflate(chunked("ab", 1))).toString(), "ab");
    assert.equal((await inflate(chunked(""))).length, 0);
  });

  it("reads zstd", async () => {
    const text = "zstd ".repeat(10000);
    assert.equal((await inflate(chunked(zlib.zstdCompressSync(text), 777))).toString(), text);
  });

  it("names the codec and the cause when compressed data is bad", async () => {
    const gz = zlib.gzipSync("x".repeat(10000));
    await assert.rejects(inflate(chunked(gz.subarray(0, 15))), (error: Error) => {
      assert.ok(error instanceof ObjectReadError);
      assert.equal(error.message, "gzip: truncated stream");
      return true;
    });
    const zst = zlib.zstdCompressSync("y".repeat(10000));
    await assert.rejects(inflate(chunked(zst.subarray(0, zst.length - 3))), /^ObjectReadError: zstd: /);
  });

  it("reads concatenated zstd frames and fails a zstd object cut at any point inside a frame", async () => {
    const frames = [
      zlib.zstdCompressSync("first frame ".repeat(500), { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } }),
      zlib.zstdCompressSync(Buffer.from(Array.from({ length: 300000 }, (_, i) => (i * 7919) % 251))),
    ];
    const whole = Buffer.concat(frames);
    assert.equal((await inflate(chunked(whole, 4096))).length, 6000 + 300000);
    for (const cut of [5, 9, frames[0].length - 1, frames[0].length + 3, whole.length - 1]) {
      await assert.rejects(
        inflate(chunked(whole.subarray(0, cut), 1000)),
        /zstd: (truncated stream|corrupt data)/,
        `cut at ${cut}`,
      );
    }
  });

  it("ZstdFrameChecker accepts exactly the frame boundaries, skippable frames included", () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const frame = zlib.zstdCompressSync("abc".repeat(1000), { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } });
    const stream = Buffer.concat([frame, skippable, frame]);
    const boundaries = new Set([0, frame.length, frame.length + skippable.length, stream.length]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const checker = new ZstdFrameChecker();
      checker.push(stream.subarray(0, Math.min(cut, 7)));
      checker.push(stream.subarray(Math.min(cut, 7), cut));
      assert.equal(checker.finish() === undefined, boundaries.has(cut), `cut at ${cut}`);
    }
    const garbage = new ZstdFrameChecker();
    garbage.push(Buffer.from("not zstd"));
    assert.equal(garbage.finish(), "corrupt data (bad frame magic)");
  });

  it("inflates a zstd bomb handed over in one chunk in bounded steps, and stops when the reader stops", async () => {
    // 64 MiB of zeros in one frame of about 2 KiB: one network chunk that decoders fed whole turn into all of it.
    const bomb = zlib.zstdCompressSync(Buffer.alloc(64 * 1024 * 1024));
    assert.ok(bomb.length < 16 * 1024);
    // Counts what the decoder produces, read or not: the bound is on what it makes ahead of the reader.
    let produced = 0;
    const prototype = zlib.ZstdDecompress.prototype;
    const push = prototype.push;
    prototype.push = function (this: zlib.ZstdDecompress, chunk: unknown, encoding?: BufferEncoding) {
      if (chunk instanceof Uint8Array) produced += chunk.length;
      return push.call(this, chunk, encoding);
    };
    try {
      const reader = decompress(chunked(bomb, bomb.length));
      let read = 0;
      for (let i = 0; i < 8; i++) {
        const next = await reader.next();
        assert.equal(next.done, false);
        assert.ok(next.value.length <= 256 * 1024, `chunk of ${next.value.length} bytes`);
        read += next.value.length;
      }
      assert.ok(produced - read <= 4 * 1024 * 1024, `${produced} bytes inflated for ${read} read`);
      await reader.return(undefined);
      const stoppedAt = produced;
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(produced, stoppedAt, "nothing more inflated once the reader stopped");

      // Read to the end, the same object gives all its bytes in bounded chunks.
      let total = 0;
      let largest = 0;
      for await (const chunk of decompress(chunked(bomb, bomb.length))) {
        total += chunk.length;
        largest = Math.max(largest, chunk.length);
      }
      assert.equal(total, 64 * 1024 * 1024);
      assert.ok(largest <= 256 * 1024);
    } finally {
      prototype.push = push;
    }
  });

  it("lets an error of the body itself through unchanged", async () => {
    const failure = new Error("connection reset by peer");
    async function* body() {
      yield zlib.gzipSync("abc").subarray(0, 12);
      throw failure;
    }
    await assert.rejects(inflate(body()), (error) => error === failure);
  });

  it("round-trips arbitrary bytes through gzip members of any size (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }),
        fc.integer({ min: 1, max: 64 }),
        async (parts, size) => {
          const body = Buffer.concat(parts.map((part) => zlib.gzipSync(part)));
          const expected = Buffer.concat(parts);
          assert.deepEqual(await inflate(chunked(body, size)), expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
