/**
 * Content-defined chunking: FastCDC with normalized chunking (level 2), so
 * that an edit in a file changes only the chunks around it and every other
 * chunk keeps its bytes, and so its hash. docs/PROTOCOL.md ("Chunking") states the
 * rule for other implementations; in short, for a chunk starting at byte 0:
 *
 *   - bytes 0 .. CHUNK_MIN-1 are taken without hashing (cut-point skipping);
 *   - from byte CHUNK_MIN on, hash = (hash << 1) + GEAR[byte] mod 2^32,
 *     starting from 0;
 *   - after byte i the chunk ends (length i+1) if hash & mask == 0, where mask
 *     is MASK_SMALL (22 bits, harder) while i < CHUNK_AVERAGE and MASK_LARGE
 *     (18 bits, easier) after, which pulls lengths towards the average;
 *   - a chunk that reaches CHUNK_MAX bytes ends there, and the last chunk of
 *     a stream is whatever remains (so a file under CHUNK_MIN is one chunk).
 *
 * The hash is 32 bits, not the paper's 64: shifts and adds on int32 are what
 * JS engines run natively, while 64 bits would take two halves and a carry
 * per byte, about twice the work. Each byte shifts one place further left, so
 * the top bit depends on the last 32 bytes: the masks take the topmost bits,
 * which gives the widest window a 32-bit hash has, and 32 bytes of context
 * are ample for a cut chance of 2^-22 per byte.
 *
 * With the minimum skipped, random data gives a mean chunk of about 1.2 MiB:
 * 0.5 MiB skipped, then a cut with probability 2^-22 per byte up to 1 MiB
 * (about 12% of chunks end there) and 2^-18 per byte beyond.
 */
import { GEAR } from './gear-table';

export const CHUNK_MIN = 512 * 1024;
export const CHUNK_AVERAGE = 1024 * 1024;
export const CHUNK_MAX = 8 * 1024 * 1024;

/** Where the pending buffer starts once a chunk first spans reads. */
const minPendingBytes = 64 * 1024;

/** The 22 most significant bits: the average's 20 bits plus 2 (normalization level 2). */
const MASK_SMALL = 0xfffffc00 | 0;
/** The 18 most significant bits: the average's 20 bits minus 2. */
const MASK_LARGE = 0xffffc000 | 0;

/**
 * Splits one stream (a file's bytes, in reads of any size) into chunks.
 * `push` each read in order, then `end` once; the chunker is then ready for
 * the next file, so one instance (and its buffer) can serve many.
 *
 * Chunks are handed out as copies that the caller owns: they stay valid
 * however long they are queued, hashed or sent, while the chunker reuses its
 * buffer at once. A view into that buffer would save one copy per chunk but
 * would be overwritten by the next read, a hazard for any consumer that
 * awaits. A chunk that lies wholly inside one read is copied straight out of
 * it; one that spans reads is gathered in the buffer first, since its end
 * is not known until the cut is found.
 */
export class FastCdcChunker {
  /**
   * The current chunk's bytes so far, when it spans reads. It grows (doubling,
   * up to CHUNK_MAX) only as far as the longest chunk that spanned reads, so
   * a chunker that sees only small files or tree lines holds a few KiB, not 8 MiB.
   */
  private pending = Buffer.alloc(0);
  private filled = 0;
  private hash = 0;

  /** Takes the next read of the stream; returns the chunks it completes, in order. */
  push(data: Uint8Array): Buffer[] {
    const chunks: Buffer[] = [];
    let start = 0;
    while (start < data.length) {
      const cut = this.findCut(data, start);
      if (cut === -1) {
        this.makeRoom(this.filled + data.length - start);
        this.pending.set(data.subarray(start), this.filled);
        this.filled += data.length - start;
        break;
      }
      if (this.filled === 0) {
        chunks.push(copyOf(data, start, cut));
      } else {
        this.makeRoom(this.filled + cut - start);
        this.pending.set(data.subarray(start, cut), this.filled);
        chunks.push(copyOf(this.pending, 0, this.filled + cut - start));
        this.filled = 0;
      }
      start = cut;
    }
    return chunks;
  }

  /** Ends the stream: returns its last chunk, or undefined if nothing is left (an empty stream has no chunk). */
  end(): Buffer | undefined {
    const last = this.filled === 0 ? undefined : copyOf(this.pending, 0, this.filled);
    this.filled = 0;
    this.hash = 0;
    return last;
  }

  /**
   * Scans `data` from `start` as the continuation of the current chunk.
   * Returns the index in `data` just past the cut, or -1 if `data` ends first
   * (the hash so far is kept for the next read).
   */
  private findCut(data: Uint8Array, start: number): number {
    // The current chunk's length at data[i] is i + offset.
    const offset = this.filled - start;
    let i = Math.min(start + Math.max(CHUNK_MIN - this.filled, 0), data.length);
    let hash = this.hash;
    const gear = GEAR;
    const smallEnd = Math.min(CHUNK_AVERAGE - offset, data.length);
    for (; i < smallEnd; i++) {
      hash = ((hash << 1) + gear[data[i]]) | 0;
      if ((hash & MASK_SMALL) === 0) return this.cutAt(i + 1);
    }
    const largeEnd = Math.min(CHUNK_MAX - offset, data.length);
    for (; i < largeEnd; i++) {
      hash = ((hash << 1) + gear[data[i]]) | 0;
      if ((hash & MASK_LARGE) === 0) return this.cutAt(i + 1);
    }
    if (i === CHUNK_MAX - offset) return this.cutAt(i);
    this.hash = hash;
    return -1;
  }

  private makeRoom(bytes: number): void {
    if (bytes <= this.pending.length) return;
    let size = Math.max(this.pending.length, minPendingBytes);
    while (size < bytes) size *= 2;
    const grown = Buffer.allocUnsafe(Math.min(size, CHUNK_MAX));
    grown.set(this.pending.subarray(0, this.filled));
    this.pending = grown;
  }

  private cutAt(index: number): number {
    this.hash = 0;
    return index;
  }
}

function copyOf(source: Uint8Array, start: number, end: number): Buffer {
  const chunk = Buffer.allocUnsafe(end - start);
  chunk.set(source.subarray(start, end));
  return chunk;
}
