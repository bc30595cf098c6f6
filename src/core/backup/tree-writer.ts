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

  async add(entry: TreeEntry): Promise<void> {
    for (const chunk of this.chunker.push(Buffer.from(encodeTreeEntry(entry), 'utf8'))) this.ids.push(await this.sender.addSealed(chunk));
  }

  /** The tree's chunk IDs in order; empty when no entry was added. */
  async finish(): Promise<string[]> {
    const last = this.chunker.end();
    if (last) this.ids.push(await this.sender.addSealed(last));
    return this.ids;
  }
}
