/**
 * Which of a sender's snapshots to forget, oldest first, to make room for an
 * upload its quota refuses: forgetting a snapshot frees its file and every
 * pack no remaining snapshot references, as deleteSnapshot and the garbage
 * collector would; packs no snapshot references that are past the grace
 * period go with the first deletion, those within it (an upload not yet
 * committed) are kept. The work is one pass over each snapshot's reference
 * chunks (as a garbage collection does) and then counting in memory over
 * the packs each references. Call with the sender's lock held.
 */
import { maxProposedSnapshots } from '../../wire/quota-refusal';
import { readChunk } from './chunk-reads';
import type { SenderStore } from './sender-store';
import { committedManifest, snapshotChunks } from './snapshot-chunks';
import { readSnapshotFiles } from './snapshot-files';

export interface SnapshotFootprint {
  snapshotId: string;
  fileBytes: number;
  packIds: ReadonlySet<string>;
}

export interface ForgetProposal {
  /** Oldest first. */
  snapshotIds: string[];
  freesBytes: number;
}

/**
 * The fewest oldest snapshots whose forgetting frees `neededBytes`, or
 * undefined when forgetting them all (or maxProposedSnapshots) would not.
 */
export function proposeForgetting(
  oldestFirst: readonly SnapshotFootprint[],
  packBytes: ReadonlyMap<string, number>,
  collectableBytes: number,
  neededBytes: number,
): ForgetProposal | undefined {
  const holders = new Map<string, number>();
  for (const snapshot of oldestFirst) for (const packId of snapshot.packIds) holders.set(packId, (holders.get(packId) ?? 0) + 1);
  let freesBytes = collectableBytes;
  for (const [index, snapshot] of oldestFirst.slice(0, maxProposedSnapshots).entries()) {
    freesBytes += snapshot.fileBytes;
    for (const packId of snapshot.packIds) {
      const left = holders.get(packId)! - 1;
      holders.set(packId, left);
      if (left === 0) freesBytes += packBytes.get(packId) ?? 0;
    }
    if (freesBytes >= neededBytes) return { snapshotIds: oldestFirst.slice(0, index + 1).map((each) => each.snapshotId), freesBytes };
  }
  return undefined;
}

/** The proposal for the sender's store; undefined also when a snapshot cannot be read, since then what it references is unknown. */
export async function forgetProposalFor(store: SenderStore, receiverKey: Buffer, now: number, gracePeriodMs: number, neededBytes: number): Promise<ForgetProposal | undefined> {
  const { layout, index } = store;
  const footprints: SnapshotFootprint[] = [];
  for (const snapshot of await readSnapshotFiles(layout, receiverKey)) {
    const manifest = committedManifest(snapshot.manifest);
    if (!manifest) return undefined;
    const chunks = await snapshotChunks(manifest, index, (id, location) => readChunk(layout, id, location)).catch(() => undefined);
    if (!chunks || chunks.missing.length > 0) return undefined;
    const packIds = new Set<string>();
    for (const id of chunks.stored) packIds.add(index.find(id)!.packId);
    footprints.push({ snapshotId: snapshot.receipt.snapshotId, fileBytes: snapshot.fileBytes, packIds });
  }
  const referenced = new Set(footprints.flatMap((footprint) => [...footprint.packIds]));
  const packBytes = new Map<string, number>();
  let collectableBytes = 0;
  for (const [packId, pack] of index.packEntries()) {
    packBytes.set(packId, pack.bytes);
    if (!referenced.has(packId) && now - pack.storedAt >= gracePeriodMs) collectableBytes += pack.bytes;
  }
  return footprints.length === 0 ? undefined : proposeForgetting(footprints, packBytes, collectableBytes, neededBytes);
}
