/**
 * One sender's chunks in memory: for each chunk ID, the packs that hold it
 * (the first one serves it; a pack that repeats a chunk adds a spare copy),
 * and for each pack its size, when it was stored and its entries. Built when
 * the store opens from the index files, kept up to date as packs come and go.
 */
import type { ChunkKind, PackEntry } from './pack-entries';

export interface ChunkLocation {
  packId: string;
  kind: ChunkKind;
  offset: number;
  length: number;
}

export interface IndexedPack {
  bytes: number;
  /** Milliseconds since the epoch: when it was published (its file's time after a restart). */
  storedAt: number;
  entries: PackEntry[];
}

export class ChunkIndex {
  private readonly chunks = new Map<string, ChunkLocation[]>();
  private readonly packs = new Map<string, IndexedPack>();

  addPack(packId: string, pack: IndexedPack): void {
    if (this.packs.has(packId)) return;
    this.packs.set(packId, pack);
    for (const entry of pack.entries) {
      const location: ChunkLocation = { packId, kind: entry.kind, offset: entry.offset, length: entry.length };
      const known = this.chunks.get(entry.id);
      if (known) known.push(location);
      else this.chunks.set(entry.id, [location]);
    }
  }

  removePack(packId: string): void {
    const pack = this.packs.get(packId);
    if (!pack) return;
    this.packs.delete(packId);
    for (const entry of pack.entries) {
      const left = (this.chunks.get(entry.id) ?? []).filter((location) => location.packId !== packId);
      if (left.length > 0) this.chunks.set(entry.id, left);
      else this.chunks.delete(entry.id);
    }
  }

  pack(packId: string): IndexedPack | undefined {
    return this.packs.get(packId);
  }

  /** Where the chunk is served from; undefined when it is not stored. */
  find(id: string): ChunkLocation | undefined {
    return this.chunks.get(id)?.[0];
  }

  packEntries(): IterableIterator<[string, IndexedPack]> {
    return this.packs.entries();
  }

  /** Every pack's bytes together. */
  storedBytes(): number {
    let total = 0;
    for (const pack of this.packs.values()) total += pack.bytes;
    return total;
  }
}
