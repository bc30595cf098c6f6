/**
 * The last step of an extraction: move the verified entries from the staging
 * folder into the target folder by rename (same file system, so nothing is
 * copied), merging into folders that already exist there.
 *
 * Existing files and symlinks are replaced only with `overwrite`; an existing
 * folder is never replaced by a file. Paths in the target are checked with
 * lstat, so nothing is ever moved through a symlink that was already there.
 * Relative paths are byte strings (see byte-names.ts).
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors';
import { displayByteString, toByteString } from './byte-names';
import type { FolderPaths } from './folder-paths';

export interface DirectoryMetadata {
  /** A byte string. */
  path: string;
  mode: number;
  /** A Date, or seconds as fs.utimes takes them. */
  mtime: Date | number;
}

/** Moves everything staged into the target; every moved path (relative, for people) is added to `moved` as it happens. */
export async function moveIntoPlace(staging: FolderPaths, target: FolderPaths, overwrite: boolean, moved: string[], relativeDir = ''): Promise<void> {
  const names = (await readdir(await staging.of(relativeDir), { encoding: 'buffer' })).sort(Buffer.compare);
  for (const name of names) {
    const relativePath = relativeDir === '' ? toByteString(name) : `${relativeDir}/${toByteString(name)}`;
    const shown = join(target.folder, displayByteString(relativePath));
    const stagedStats = await lstat(await staging.of(relativePath));
    const existing = await lstatIfExists(await target.of(relativePath));
    if (existing === undefined) {
      await rename(await staging.of(relativePath), await target.of(relativePath));
      moved.push(displayByteString(relativePath));
    } else if (stagedStats.isDirectory() && existing.isDirectory()) {
      await moveIntoPlace(staging, target, overwrite, moved, relativePath);
    } else if (existing.isDirectory()) {
      throw new UserError(`${shown} is a folder, but the snapshot has a file there: move that folder away, or restore into an empty folder.`);
    } else if (!overwrite) {
      throw new UserError(`${shown} already exists: pass --overwrite to replace it, or restore into an empty folder.`);
    } else {
      // rename() replaces a file or symlink in one step, but cannot put a folder in its place.
      if (stagedStats.isDirectory()) await unlink(await target.of(relativePath));
      await rename(await staging.of(relativePath), await target.of(relativePath));
      moved.push(displayByteString(relativePath));
    }
  }
}

/** Folders given their metadata side by side: each takes four system calls on Node's thread pool, and one after another they left a restore of many folders waiting. */
const foldersAtOnce = 16;

/**
 * Gives restored folders their archived mode and mtime, deepest first: moving
 * entries in changed the mtimes, and a read-only folder must be filled before
 * it becomes read-only. Folders of one depth are not inside one another, so
 * they are done side by side; a path that needs an anchor (folder-paths.ts)
 * is done alone, since a later anchor may close the one it names. Opened
 * with O_NOFOLLOW so a symlink is never changed instead.
 */
export async function applyDirectoryMetadata(target: FolderPaths, directories: readonly DirectoryMetadata[]): Promise<void> {
  const byDepth = new Map<number, DirectoryMetadata[]>();
  for (const directory of directories) {
    const depth = directory.path.split('/').length;
    const level = byDepth.get(depth) ?? [];
    level.push(directory);
    byDepth.set(depth, level);
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => b - a)) {
    const level = byDepth.get(depth)!.map((directory) => ({ directory, direct: target.directOf(directory.path) }));
    await sideBySide(level, foldersAtOnce, async ({ directory, direct }) => {
      if (direct !== undefined) await applyOne(direct, directory);
    });
    for (const { directory, direct } of level) {
      if (direct === undefined) await applyOne(await target.of(directory.path), directory);
    }
  }
}

async function applyOne(path: Buffer, directory: DirectoryMetadata): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await handle.chmod(directory.mode);
    await handle.utimes(directory.mtime, directory.mtime);
  } finally {
    await handle.close();
  }
}

/** Runs `work` on every item, at most `limit` at a time; once all have settled, throws the first failure. */
async function sideBySide<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && failure === undefined) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== undefined) throw failure.error;
}

async function lstatIfExists(path: Buffer): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
