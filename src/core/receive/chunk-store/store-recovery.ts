/**
 * Opening a sender's store after whatever happened before, a kill -9 at any
 * point included. A pack's presence is its commit point: an index file
 * without its pack is removed (the upload or the deletion did not finish),
 * a pack without its index is indexed again from its own headers, and
 * everything in `.tmp` (uploads in progress) is cleared.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../errors';
import { publishFile } from '../../util/publish-file';
import { ChunkIndex } from './chunk-index';
import type { PackEntry } from './pack-entries';
import { indexFileText, readIndexFile } from './pack-index-file';
import { PackParser } from './pack-parser';
import { indexSuffix, packSuffix, type StoreLayout } from './store-layout';
import { writeTempFile } from './temp-files';

export interface RecoveryReport {
  removedTempFiles: number;
  removedOrphanIndexes: number;
  reindexedPacks: number;
  /** Packs that are not packs (damaged on disk): left in place, not indexed, so nothing is served from them. */
  unreadablePacks: string[];
}

export async function recoverStore(layout: StoreLayout): Promise<{ index: ChunkIndex; report: RecoveryReport }> {
  const report: RecoveryReport = { removedTempFiles: 0, removedOrphanIndexes: 0, reindexedPacks: 0, unreadablePacks: [] };
  await mkdir(layout.tempDir, { recursive: true, mode: 0o700 });
  await mkdir(layout.packsDir, { recursive: true, mode: 0o700 });
  await mkdir(layout.snapshotsDir, { recursive: true, mode: 0o700 });
  const temps = await readdir(layout.tempDir);
  await Promise.all(temps.map((name) => rm(join(layout.tempDir, name), { force: true, recursive: true })));
  report.removedTempFiles = temps.length;

  const index = new ChunkIndex();
  for (const folder of await readdir(layout.packsDir)) {
    const names = new Set(await readdir(join(layout.packsDir, folder)));
    for (const name of names) {
      if (name.endsWith(indexSuffix) && !names.has(`${name.slice(0, -indexSuffix.length)}${packSuffix}`)) {
        await rm(join(layout.packsDir, folder, name), { force: true });
        report.removedOrphanIndexes++;
      }
      if (!name.endsWith(packSuffix)) continue;
      const packId = name.slice(0, -packSuffix.length);
      const packPath = layout.packPath(packId);
      const indexed = names.has(`${packId}${indexSuffix}`) ? await readIndexFile(layout.indexPath(packId)) : undefined;
      let entries: PackEntry[] | undefined = indexed;
      if (!entries) {
        entries = await entriesOfPackFile(packPath);
        if (!entries) {
          report.unreadablePacks.push(packId);
          continue;
        }
        await publishFile(await writeTempFile(layout, indexFileText(entries)), layout.indexPath(packId), { replace: true });
        report.reindexedPacks++;
      }
      const facts = await stat(packPath);
      index.addPack(packId, { bytes: facts.size, storedAt: facts.mtimeMs, entries });
    }
  }
  return { index, report };
}

/** A stored pack's entries read from its headers; undefined when it is not a pack. */
async function entriesOfPackFile(path: string): Promise<PackEntry[] | undefined> {
  const parser = new PackParser();
  try {
    for await (const piece of createReadStream(path)) parser.push(piece as Buffer);
    return parser.finish();
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}
