/** Removes a folder and everything in it, however deep: fs.rm() fails on paths longer than PATH_MAX. */
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { toByteString } from './byte-names';
import type { FolderPaths } from './folder-paths';

/** `relative` is a byte string below `paths`' folder; '' removes the folder itself. A missing path is no error. */
export async function removeTree(paths: FolderPaths, relative = ''): Promise<void> {
  let stats;
  try {
    stats = await lstat(await paths.of(relative));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stats.isDirectory()) {
    await unlink(await paths.of(relative));
    return;
  }
  for (const name of await readdir(await paths.of(relative), { encoding: 'buffer' })) {
    await removeTree(paths, relative === '' ? toByteString(name) : `${relative}/${toByteString(name)}`);
  }
  await rmdir(await paths.of(relative));
}
