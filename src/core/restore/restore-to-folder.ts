/**
 * Restores a snapshot (all of it, one folder or one file) into a folder.
 *
 * What a failure leaves behind: entries are written into a fresh staging
 * folder inside the target (`.peer-backup-restore-*`, removed again in every
 * case), each file under its own name only once all its chunks have opened
 * and added up. Only when every selected entry is staged are they moved into
 * place by rename (move-into-place.ts), replacing existing files only with
 * `overwrite`. So a damaged or tampered snapshot, a full disk or a cancel
 * leaves the target as it was; only an error while moving can leave part of
 * the snapshot in place, and that error lists what was moved.
 */
import { mkdir, mkdtemp, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import { FolderPaths } from '../pack/folder-paths';
import { FreeSpaceGuard, type StatFs } from '../pack/free-space';
import { applyDirectoryMetadata, moveIntoPlace } from '../pack/move-into-place';
import { removeTree } from '../pack/remove-tree';
import type { SkippedPath } from '../store';
import { FolderWriter } from './folder-writer';
import type { ReadableSnapshot } from './readable-snapshot';
import { restoreEntries, type EntryCounts } from './restore-entries';
import type { Selection } from './selection';
import { umaskIn } from './umask-probe';

export interface RestoreOptions {
  /** Replace files and symlinks that already exist in the target. */
  overwrite: boolean;
  /** An archive path (bytes) to restore alone, with everything under it; the whole snapshot when absent. */
  only?: Selection;
  /** How free space is asked for (fs.statfs unless given). */
  statFs?: StatFs;
  signal?: AbortSignal;
}

export interface RestoreReport extends EntryCounts {
  snapshotId: string;
  plan: string;
  /** When the snapshot was made, milliseconds since the epoch. */
  createdAt: number;
  /** Symlinks not recreated because they point outside the target; the rest was restored. */
  refusedLinks: SkippedPath[];
}

export async function restoreToFolder(snapshot: ReadableSnapshot, targetDir: string, options: RestoreOptions): Promise<RestoreReport> {
  const target = resolve(targetDir);
  try {
    await mkdir(target, { recursive: true });
  } catch (err) {
    throw new UserError(`Cannot restore into ${target} (${(err as NodeJS.ErrnoException).code}): choose a folder you can write to.`);
  }
  // The real path, so the target itself may be reached through a symlink the user chose.
  const root = await realpath(target);
  const staging = await mkdtemp(join(root, '.peer-backup-restore-'));
  const rootPaths = new FolderPaths(root);
  const stagingPaths = new FolderPaths(staging);
  let writer: FolderWriter | undefined;
  try {
    const places = { staging: stagingPaths, root: rootPaths, space: new FreeSpaceGuard(staging, target, options.statFs), umask: await umaskIn(staging) };
    writer = new FolderWriter(places, snapshot.manifest, options.overwrite);
    const counts = await restoreEntries(snapshot, options.only, writer, options.signal);
    options.signal?.throwIfAborted();
    const moved: string[] = [];
    try {
      await moveIntoPlace(stagingPaths, rootPaths, options.overwrite, moved);
      await applyDirectoryMetadata(rootPaths, writer.directories);
    } catch (err) {
      if (moved.length === 0) throw err;
      const shown = moved.slice(0, 5).join(', ') + (moved.length > 5 ? ` and ${moved.length - 5} more` : '');
      const message = err instanceof UserError ? err.message : (err as Error).message;
      throw new UserError(`${message} (The restore stopped part way: already moved into ${target}: ${shown}.)`, { cause: err });
    }
    const { manifest } = snapshot;
    return { ...counts, snapshotId: manifest.snapshotId, plan: manifest.plan, createdAt: manifest.createdAt, refusedLinks: writer.refusedLinks };
  } finally {
    await writer?.close();
    await rootPaths.close();
    await stagingPaths.close();
    // Through fresh anchors: the old ones may have moved into the target with their folders.
    const leftovers = new FolderPaths(staging);
    try {
      await removeTree(leftovers);
    } finally {
      await leftovers.close();
    }
  }
}
