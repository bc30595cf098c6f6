/**
 * The process's umask, found once per restore by making a folder with every
 * permission bit and reading back which ones it kept. Files may then be
 * created with their restored mode and changed afterwards only when the
 * umask took bits from it. (process.umask() can only read it by setting it,
 * which races with files other threads create meanwhile.)
 */
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** `folder`: a fresh folder of the restore's own, where nothing else is written yet. */
export async function umaskIn(folder: string): Promise<number> {
  const probe = join(folder, 'umask-probe');
  await mkdir(probe, { mode: 0o777 });
  try {
    return 0o777 & ~(await stat(probe)).mode;
  } finally {
    await rmdir(probe);
  }
}
