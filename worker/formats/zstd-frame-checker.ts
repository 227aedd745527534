const STATE_MAGIC = 0;
const STATE_FRAME_HEADER = 1;
const STATE_BLOCK_HEADER = 2;
const STATE_SKIPPABLE_SIZE = 3;

const HEADER_BYTES = [4, 1, 3, 4];
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];
const CONTENT_SIZE_BYTES = [0, 2, 4, 8];

/**
 * Walks the frame and block headers of a zstd stream (RFC 8878) without decompressing: it finds where each frame
 * ends and tells whether the stream ends on a frame boundary. Both are needed around node:zlib's zstd decoder,
 * which (in Node 24 and Deno 2) stops after the first frame of a multi-frame object, and which in Deno ends quietly
 * on a truncated stream. Costs a few bytes of work per block.
 */
export class ZstdFrameChecker {
  private state = STATE_MAGIC;
  private readonly header = new Uint8Array(8);
  private have = 0;
  private skip = 0;
  private afterSkip = STATE_MAGIC;
  private checksum = false;
  private problem = "";

  private ends: number[] = [];
  private position = 0;

  /** Scans a chunk; returns the offsets in it just past each frame that ends in it. */
  push(chunk: Uint8Array): number[] {
    const n = chunk.length;
    this.ends = [];
    let i = 0;
    while (i < n && this.problem === "") {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        if (this.skip === 0) {
          this.state = this.afterSkip;
          if (this.state === STATE_MAGIC) this.ends.push(i);
        }
        continue;
      }
      const need = HEADER_BYTES[this.state];
      const take = Math.min(need - this.have, n - i);
      this.header.set(chunk.subarray(i, i + take), this.have);
      this.have += take;
      i += take;
      if (this.have === need) {
        this.have = 0;
        this.position = i;
        this.onHeader();
      }
    }
    return this.ends;
  }

  /** Undefined when the stream ended between frames; otherwise what is wrong with it. */
  finish(): string | undefined {
    if (this.problem !== "") return `corrupt data (${this.problem})`;
    if (this.state !== STATE_MAGIC || this.have !== 0 || this.skip !== 0) return "truncated stream";
    return undefined;
  }

  private skipThen(count: number, next: number): void {
    if (count === 0) {
      this.state = next;
      if (next === STATE_MAGIC) this.ends.push(this.position);
    } else {
      this.skip = count;
      this.afterSkip = next;
    }
  }

  private onHeader(): void {
    const h = this.header;
    switch (this.state) {
      case STATE_MAGIC:
        if (h[0] === 0x28 && h[1] === 0xb5 && h[2] === 0x2f && h[3] === 0xfd) this.state = STATE_FRAME_HEADER;
        else if ((h[0] & 0xf0) === 0x50 && h[1] === 0x2a && h[2] === 0x4d && h[3] === 0x18) {
          this.state = STATE_SKIPPABLE_SIZE;
        } else this.problem = "bad frame magic";
        return;
      case STATE_FRAME_HEADER: {
        const descriptor = h[0];
        if ((descriptor & 0x08) !== 0) {
          this.problem = "reserved frame header bit set";
          return;
        }
        const contentSizeFlag = descriptor >> 6;
        const singleSegment = (descriptor & 0x20) !== 0;
        this.checksum = (descriptor & 0x04) !== 0;
        const rest =
          (singleSegment ? 0 : 1) +
          DICTIONARY_ID_BYTES[descriptor & 0x03] +
          (contentSizeFlag === 0 ? (singleSegment ? 1 : 0) : CONTENT_SIZE_BYTES[contentSizeFlag]);
        this.skipThen(rest, STATE_BLOCK_HEADER);
        return;
      }
      case STATE_BLOCK_HEADER: {
        const value = h[0] | (h[1] << 8) | (h[2] << 16);
        const last = (value & 1) === 1;
        const type = (value >> 1) & 3;
        if (type === 3) {
          this.problem = "reserved block type";
          return;
        }
        const content = type === 1 ? 1 : value >>> 3;
        if (!last) this.skipThen(content, STATE_BLOCK_HEADER);
        else if (this.checksum) this.skipThen(content + 4, STATE_MAGIC);
        else this.skipThen(content, STATE_MAGIC);
        return;
      }
      case STATE_SKIPPABLE_SIZE: {
        const size = (h[0] | (h[1] << 8) | (h[2] << 16)) + h[3] * 0x1000000;
        this.skipThen(size, STATE_MAGIC);
        return;
      }
    }
  }
}
