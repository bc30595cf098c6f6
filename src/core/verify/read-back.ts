/**
 * Reading a plan's snapshots back from the teammate and opening every chunk
 * read, as a restore would, without writing anything: each snapshot's tree
 * (every tree chunk opened: AEAD tag, then its keyed ID), then all of the
 * data chunks the trees name, or a random sample of them. A chunk that
 * fails names every snapshot that needs it.
 */
import { randomInt } from 'node:crypto';
import type { ChunkKeys } from '../chunk/chunk-keys';
import { maxChunkBytes, openChunk } from '../chunk/chunk-seal';
import { UserError } from '../errors';
import type { ChunkSource } from '../restore';
import { readTree } from '../restore/tree-reader';
import { readEntryOverheadBytes } from '../restore/read-batches';
import type { DamagedSnapshot } from '../store';
import { maxBytesPerRead } from '../wire/chunk-protocol';
import type { Manifest } from '../wire/chunk-protocol';

export interface ReadBackReport {
  chunksRead: number;
  damaged: DamagedSnapshot[];
}

/** Chunks per read, each counted at its largest, within the protocol's bound. */
const chunksPerRead = Math.floor(maxBytesPerRead / (maxChunkBytes + readEntryOverheadBytes));

export async function readBack(manifests: Manifest[], keys: ChunkKeys, source: ChunkSource, samplePercent: number, signal?: AbortSignal): Promise<ReadBackReport> {
  const damaged: DamagedSnapshot[] = [];
  const neededBy = new Map<string, string[]>();
  let chunksRead = 0;
  for (const manifest of manifests) {
    try {
      for await (const entries of readTree({ manifest, keys, source }, signal)) {
        for (const entry of entries) {
          if (entry.type !== 'file') continue;
          for (const id of entry.chunks) {
            const snapshots = neededBy.get(id);
            if (!snapshots) neededBy.set(id, [manifest.snapshotId]);
            else if (snapshots.at(-1) !== manifest.snapshotId) snapshots.push(manifest.snapshotId);
          }
        }
      }
      chunksRead += manifest.tree.length;
    } catch (err) {
      if (!(err instanceof UserError) || err.code === 'cancelled') throw err;
      damaged.push({ snapshotId: manifest.snapshotId, problem: `its tree cannot be read: ${err.message}` });
    }
  }
  const ids = sample([...neededBy.keys()], samplePercent);
  for (let start = 0; start < ids.length; start += chunksPerRead) {
    const batch = ids.slice(start, start + chunksPerRead);
    const failed = await openAll(batch, keys, source, signal).catch(async (err: unknown) => {
      if (!(err instanceof UserError) || err.code === 'cancelled') throw err;
      // The read broke on one of them: read each alone to learn which.
      const each = await Promise.all(
        batch.map((id) =>
          openAll([id], keys, source, signal).catch((one: unknown) => {
            if (!(one instanceof UserError)) throw one;
            return [{ id, problem: one.message }];
          }),
        ),
      );
      return each.flat();
    });
    chunksRead += batch.length;
    for (const { id, problem } of failed) {
      for (const snapshotId of neededBy.get(id)!) damaged.push({ snapshotId, problem: `chunk ${id}: ${problem}` });
    }
  }
  return { chunksRead, damaged };
}

/** Reads the chunks and opens each; returns those that do not open. A failed read throws. */
async function openAll(ids: string[], keys: ChunkKeys, source: ChunkSource, signal?: AbortSignal): Promise<{ id: string; problem: string }[]> {
  const failed: { id: string; problem: string }[] = [];
  for await (const chunk of source.read(ids, signal)) {
    try {
      openChunk(keys, chunk.id, chunk.bytes);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      failed.push({ id: chunk.id, problem: err.message });
    }
  }
  return failed;
}

/** `percent` of the IDs (at least one when there are any), chosen at random. */
function sample(ids: string[], percent: number): string[] {
  if (percent >= 100) return ids;
  const count = Math.min(ids.length, Math.max(1, Math.ceil((ids.length * percent) / 100)));
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(ids.length - i);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, count);
}
