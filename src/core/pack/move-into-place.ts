/**
 * The last step of an extraction: move the verified entries from the staging
 * folder into the target folder by rename (same file system, so nothing is
 * copied), merging into folders that already exist there.
 *
 * Existing files and symlinks are replaced only with `overwrite`; an existing
 * folder is never replaced by a file. Paths in the target are checked with
 * lstat, so nothing is ever moved through a symlink that was already there.
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors';

export interface DirectoryMetadata {
  path: string;
  mode: number;
  mtime: Date;
}

/** Moves everything staged into `targetDir`; every moved path (relative) is added to `moved` as it happens. */
export async function moveIntoPlace(stagingDir: string, targetDir: string, overwrite: boolean, moved: string[], relativeDir = ''): Promise<void> {
  const names = (await readdir(join(stagingDir, relativeDir))).sort();
  for (const name of names) {
    const relativePath = relativeDir === '' ? name : `${relativeDir}/${name}`;
    const staged = join(stagingDir, relativePath);
    const destination = join(targetDir, relativePath);
    const stagedStats = await lstat(staged);
    const existing = await lstatIfExists(destination);
    if (existing === undefined) {
      await rename(staged, destination);
      moved.push(relativePath);
    } else if (stagedStats.isDirectory() && existing.isDirectory()) {
      await moveIntoPlace(stagingDir, targetDir, overwrite, moved, relativePath);
    } else if (existing.isDirectory()) {
      throw new UserError(`${destination} is a folder, but the snapshot has a file there: move that folder away, or restore into an empty folder.`);
    } else if (!overwrite) {
      throw new UserError(`${destination} already exists: pass --overwrite to replace it, or restore into an empty folder.`);
    } else {
      // rename() replaces a file or symlink in one step, but cannot put a folder in its place.
      if (stagedStats.isDirectory()) await unlink(destination);
      await rename(staged, destination);
      moved.push(relativePath);
    }
  }
}

/**
 * Gives restored folders their archived mode and mtime, deepest first: moving
 * entries in changed the mtimes, and a read-only folder must be filled before
 * it becomes read-only. Opened with O_NOFOLLOW so a symlink is never changed instead.
 */
export async function applyDirectoryMetadata(targetDir: string, directories: readonly DirectoryMetadata[]): Promise<void> {
  const deepestFirst = [...directories].sort((a, b) => b.path.split('/').length - a.path.split('/').length);
  for (const directory of deepestFirst) {
    const handle = await open(join(targetDir, directory.path), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      await handle.chmod(directory.mode);
      await handle.utimes(directory.mtime, directory.mtime);
    } finally {
      await handle.close();
    }
  }
}

async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
