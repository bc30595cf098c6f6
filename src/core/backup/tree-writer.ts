/**
 * Writes a snapshot's tree as it is walked: each entry's line goes through
 * a chunker of its own, and each tree chunk is queued as soon as it is cut,
 * so the tree is never held whole (docs/PROTOCOL.md, "The tree").
 */
import { FastCdcChunker } from '../chunk/fastcdc';
import { encodeTreeEntry, type TreeEntry } from '../snapshot/tree-entry';
import type { ChunkSender } from './chunk-sender';

export class TreeWriter {
  private readonly chunker = new FastCdcChunker();
  private readonly ids: string[] = [];

  constructor(private readonly sender: ChunkSender) {}

  /** Adds the entry's line; only when that cuts a tree chunk is there anything to wait for. */
  add(entry: TreeEntry): Promise<void> | undefined {
    const cut = this.chunker.push(Buffer.from(encodeTreeEntry(entry), 'utf8'));
    return cut.length === 0 ? undefined : this.queue(cut);
  }

  private async queue(chunks: readonly Buffer[]): Promise<void> {
    for (const chunk of chunks) this.ids.push(await this.sender.addSealed(chunk));
  }

  /** The tree's chunk IDs in order; empty when no entry was added. */
  async finish(): Promise<string[]> {
    const last = this.chunker.end();
    if (last) this.ids.push(await this.sender.addSealed(last));
    return this.ids;
  }
}
