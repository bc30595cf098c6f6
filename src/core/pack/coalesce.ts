/**
 * Gathers small chunks into larger ones. A tar stream is mostly 512-byte
 * headers and small files; node:zlib hands every write to the thread pool
 * separately, so feeding it tiny chunks costs more in round trips than in
 * compression.
 */
import { Transform, type TransformCallback } from 'node:stream';

export class Coalesce extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly targetSize: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.targetSize) this.release();
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pendingBytes > 0) this.release();
    done();
  }

  private release(): void {
    this.push(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }
}
