/**
 * Publishing a finished file under its final name, all or nothing, with one
 * guarantee everywhere: the content is on disk (fsync) before the name
 * appears, the name appears whole, and the folder is synced so the name
 * survives a power cut. Without `replace` an existing file is never
 * clobbered: link(2) fails instead, with no check-then-rename race.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type PublishOutcome = 'published' | 'exists';

/** Moves the finished `temp` to `target`; 'exists' when `target` exists and `replace` is not set. `temp` is gone afterwards unless `replace` failed. */
export async function publishFile(temp: string, target: string, options: { replace?: boolean } = {}): Promise<PublishOutcome> {
  await syncPath(temp);
  if (options.replace) {
    await rename(temp, target);
  } else {
    try {
      await link(temp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw err;
    } finally {
      await rm(temp, { force: true });
    }
  }
  await syncPath(dirname(target));
  return 'published';
}

/** Writes `data` as a new file `target` (mode `mode`) through a temp file beside it; 'exists' when another writer got there first. */
export async function writeNewFile(target: string, data: string | Buffer, mode: number): Promise<PublishOutcome> {
  const temp = tempPathBeside(target);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  return publishFile(temp, target);
}

/** A fresh name in `target`'s folder, hidden, that no other writer picks. */
export function tempPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
}

/** fsync a file or a folder. */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
