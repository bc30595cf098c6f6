/**
 * Garbage in a sender's store: a pack none of whose serving chunks any
 * committed snapshot references, older than the grace period (so a backup
 * in progress keeps the packs it sent before its commit). Packs a snapshot
 * just forgotten referenced are collected by reference, whatever their age:
 * the grace period is for uploads not yet committed, not for them. The pack is
 * deleted first, then its index, so a crash in between leaves an index
 * without its pack, which the next open removes. Call with the sender's
 * lock held.
 */
import { readdir, rm } from 'node:fs/promises';
import { UserError } from '../../errors';
import { readChunk } from './chunk-reads';
import type { SenderStore } from './sender-store';
import { committedManifest, snapshotChunks } from './snapshot-chunks';
import { readSnapshotFiles } from './snapshot-files';
import { snapshotSuffix } from './store-layout';

export const defaultGracePeriodMs = 6 * 60 * 60 * 1000;

export interface GarbageReport {
  removedPacks: number;
  freedBytes: number;
  /** Set when nothing was collected because a snapshot file could not be read: what it references is unknown, so nothing is deleted. */
  skipped?: string;
}

export async function deleteUnreferencedPacks(store: SenderStore, receiverKey: Buffer, now: number, gracePeriodMs: number, released: ReadonlySet<string> = new Set()): Promise<GarbageReport> {
  const { layout, index } = store;
  const snapshots = await readSnapshotFiles(layout, receiverKey);
  const files = (await readdir(layout.snapshotsDir)).filter((name) => name.endsWith(snapshotSuffix));
  const manifests = snapshots.map((snapshot) => committedManifest(snapshot.manifest));
  if (files.length !== snapshots.length || manifests.some((manifest) => manifest === undefined)) {
    return { removedPacks: 0, freedBytes: 0, skipped: `a snapshot file in ${layout.snapshotsDir} cannot be read` };
  }
  const livePacks = new Set<string>();
  for (const manifest of manifests) {
    let chunks;
    try {
      chunks = await snapshotChunks(manifest!, index, (id, location) => readChunk(layout, id, location));
    } catch (err) {
      // A cut or changed pack must not stop the receiver from opening: it keeps everything, and reads of it answer 'damaged'.
      if (err instanceof UserError && err.code === 'damaged') return { removedPacks: 0, freedBytes: 0, skipped: `snapshot ${manifest!.snapshotId}: ${err.message}` };
      throw err;
    }
    const { stored, missing } = chunks;
    if (missing.length > 0) return { removedPacks: 0, freedBytes: 0, skipped: `snapshot ${manifest!.snapshotId} references chunks that are not stored` };
    for (const id of stored) livePacks.add(index.find(id)!.packId);
  }
  const doomed = [...index.packEntries()].filter(([packId, pack]) => !livePacks.has(packId) && (released.has(packId) || now - pack.storedAt >= gracePeriodMs));
  let freedBytes = 0;
  for (const [packId, pack] of doomed) {
    await rm(layout.packPath(packId), { force: true });
    await rm(layout.indexPath(packId), { force: true });
    index.removePack(packId);
    freedBytes += pack.bytes;
  }
  return { removedPacks: doomed.length, freedBytes };
}
