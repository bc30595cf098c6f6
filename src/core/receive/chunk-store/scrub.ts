/**
 * Scrubbing a sender's store: every pack is read back and hashed (a pack's
 * ID is the SHA-256 of its bytes), and each committed snapshot is told the
 * damaged packs it depends on. Packs are hashed without the sender's lock,
 * so backups go on meanwhile; a pack garbage collection deletes meanwhile is
 * simply not counted.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../errors';
import { readChunk } from './chunk-reads';
import type { SenderStore } from './sender-store';
import { committedManifest, snapshotChunks } from './snapshot-chunks';
import { readSnapshotFiles } from './snapshot-files';

export interface ScrubbedSnapshot {
  snapshotId: string;
  /** The damaged packs holding chunks it references. */
  damagedPacks: string[];
  /** Set when what it references could not even be listed (a damaged reference chunk, chunks no longer stored). */
  problem?: string;
}

export interface ScrubReport {
  packsChecked: number;
  damagedPacks: string[];
  snapshots: ScrubbedSnapshot[];
}

export async function scrubStore(store: SenderStore, receiverKey: Buffer): Promise<ScrubReport> {
  const { layout, index } = store;
  const damaged = new Set<string>();
  let packsChecked = 0;
  for (const [packId, pack] of [...index.packEntries()]) {
    const outcome = await hashFile(layout.packPath(packId));
    if (outcome === 'gone' && !index.pack(packId)) continue; // collected meanwhile
    packsChecked++;
    if (outcome === 'gone' || outcome.sha256 !== packId || outcome.bytes !== pack.bytes) damaged.add(packId);
  }
  const snapshots: ScrubbedSnapshot[] = [];
  for (const snapshot of await readSnapshotFiles(layout, receiverKey)) {
    const snapshotId = snapshot.receipt.snapshotId;
    const manifest = committedManifest(snapshot.manifest);
    if (!manifest) {
      snapshots.push({ snapshotId, damagedPacks: [], problem: 'its manifest cannot be read' });
      continue;
    }
    try {
      const { stored, missing } = await snapshotChunks(manifest, index, (id, location) => readChunk(layout, id, location));
      const packs = new Set([...stored].map((id) => index.find(id)?.packId).filter((packId): packId is string => packId !== undefined));
      const hit = [...packs].filter((packId) => damaged.has(packId)).sort();
      snapshots.push({ snapshotId, damagedPacks: hit, ...(missing.length > 0 ? { problem: `${missing.length} of the chunks it references are no longer stored` } : {}) });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      snapshots.push({ snapshotId, damagedPacks: [], problem: err.message });
    }
  }
  return { packsChecked, damagedPacks: [...damaged].sort(), snapshots };
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number } | 'gone'> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(createReadStream(path), async (source: AsyncIterable<Buffer>) => {
      for await (const piece of source) {
        bytes += piece.length;
        hash.update(piece);
      }
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  return { sha256: hash.digest('hex'), bytes };
}
