/**
 * Writes a snapshot's tree as it is walked: each entry's line goes through
 * a chunker of its own, and each tree chunk is queued as soon as it is cut,
 * so the tree is never held whole (docs/PROTOCOL.md, "The tree").
 *
 * Lines are gathered in a buffer before the chunker sees them: a Buffer and
 * a chunker call per line cost more than encoding the line, and the chunks
 * cut depend only on the bytes, not on how they were handed over.
 */
import { FastCdcChunker } from '../chunk/fastcdc';
import { encodeTreeEntry, type TreeEntry } from '../snapshot/tree-entry';
import type { ChunkSender } from './chunk-sender';

const lineBufferBytes = 64 * 1024;
/** The most UTF-8 bytes one UTF-16 code unit of a line can take. */
const maxBytesPerCodeUnit = 3;

export class TreeWriter {
  private readonly chunker = new FastCdcChunker();
  private readonly lines = Buffer.allocUnsafe(lineBufferBytes);
  private filled = 0;
  private readonly ids: string[] = [];

  constructor(private readonly sender: ChunkSender) {}

  /** Adds the entry's line; only when that cuts a tree chunk is there anything to wait for. */
  add(entry: TreeEntry): Promise<void> | undefined {
    const line = encodeTreeEntry(entry);
    const mostBytes = line.length * maxBytesPerCodeUnit;
    let cut = this.filled + mostBytes > this.lines.length ? this.flush() : [];
    if (mostBytes > this.lines.length) cut = [...cut, ...this.chunker.push(Buffer.from(line, 'utf8'))];
    else this.filled += this.lines.write(line, this.filled, 'utf8');
    return cut.length === 0 ? undefined : this.queue(cut);
  }

  /** Adds whole lines already encoded, in walk order; only when that cuts a tree chunk is there anything to wait for. */
  addLines(lines: Buffer): Promise<void> | undefined {
    const cut = [...this.flush(), ...this.chunker.push(lines)];
    return cut.length === 0 ? undefined : this.queue(cut);
  }

  /** The tree's chunk IDs in order; empty when no entry was added. */
  async finish(): Promise<string[]> {
    await this.queue(this.flush());
    const last = this.chunker.end();
    if (last) this.ids.push(await this.sender.addSealed(last));
    return this.ids;
  }

  /** Hands the gathered lines to the chunker; returns the chunks that cuts. */
  private flush(): Buffer[] {
    const cut = this.chunker.push(this.lines.subarray(0, this.filled));
    this.filled = 0;
    return cut;
  }

  private async queue(chunks: readonly Buffer[]): Promise<void> {
    for (const chunk of chunks) this.ids.push(await this.sender.addSealed(chunk));
  }
}
