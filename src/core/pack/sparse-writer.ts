/**
 * Writes a file's content from a stream of chunks, leaving holes where it is
 * zeros: whole blocks of zero bytes are seeked over rather than written, and
 * the file is given its full length at the end if it ends in a hole. A sparse file (a disk image,
 * a database with preallocated space) then restores sparse instead of taking
 * its whole apparent size on disk.
 *
 * Blocks are counted from the start of the file, so a hole is always whole
 * blocks of the file system; a partial block is held until it is complete.
 * Only that block is ever copied: the rest of each chunk is written from the
 * chunk itself.
 */
import type { FileHandle } from 'node:fs/promises';

/** The usual file system block size; holes come in multiples of it. */
const blockSize = 4096;
const zeroBlock = Buffer.alloc(blockSize);

export class SparseWriter {
  /** Bytes received so far: where the next chunk begins in the file. */
  private received = 0;
  /** The start of an incomplete last block, held until it is complete. */
  private partial = Buffer.alloc(0);
  /** Where the last byte written ends: short of `received` only when the file ends in a hole. */
  private writtenEnd = 0;

  /** `handle`: a file created empty for this writer. */
  constructor(private readonly handle: FileHandle) {}

  async write(chunk: Buffer): Promise<void> {
    // received - partial.length is always at a block boundary.
    let data = chunk;
    let start = this.received;
    this.received += chunk.length;
    if (this.partial.length > 0) {
      const missing = blockSize - this.partial.length;
      if (chunk.length < missing) {
        this.partial = Buffer.concat([this.partial, chunk]);
        return;
      }
      const blockStart = start - this.partial.length;
      const block = Buffer.concat([this.partial, chunk.subarray(0, missing)]);
      this.partial = Buffer.alloc(0);
      await this.writeBlocks(block, blockStart);
      data = chunk.subarray(missing);
      start += missing;
    }
    const whole = data.length - (data.length % blockSize);
    await this.writeBlocks(data.subarray(0, whole), start);
    // A copy: the chunk's buffer may be reused by the stream once this returns.
    this.partial = Buffer.from(data.subarray(whole));
  }

  /** Writes what is held and gives the file its full length, holes at the end included. */
  async end(): Promise<void> {
    await this.writeBlocks(this.partial, this.received - this.partial.length);
    this.partial = Buffer.alloc(0);
    if (this.writtenEnd < this.received) await this.handle.truncate(this.received);
  }

  /** The whole content of a file in one go, instead of write and end: a file without zero blocks is one write. */
  async writeWhole(content: Buffer): Promise<void> {
    this.received = content.length;
    await this.writeBlocks(content, 0);
    if (this.writtenEnd < this.received) await this.handle.truncate(this.received);
  }

  /** Writes each run of blocks that are not all zeros in one call, and skips the rest. */
  private async writeBlocks(data: Buffer, position: number): Promise<void> {
    let runStart = 0;
    for (let offset = 0; offset < data.length; offset += blockSize) {
      const block = data.subarray(offset, offset + blockSize);
      if (!isZeros(block)) continue;
      await this.writeAll(data.subarray(runStart, offset), position + runStart);
      runStart = offset + block.length;
    }
    await this.writeAll(data.subarray(runStart), position + runStart);
  }

  private async writeAll(data: Buffer, position: number): Promise<void> {
    for (let done = 0; done < data.length; ) done += (await this.handle.write(data, done, data.length - done, position + done)).bytesWritten;
    if (data.length > 0) this.writtenEnd = position + data.length;
  }
}

function isZeros(block: Buffer): boolean {
  return block.length === blockSize ? block.equals(zeroBlock) : block.every((byte) => byte === 0);
}
