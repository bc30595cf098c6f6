/**
 * One receiver per storage folder. Two would each delete the other's
 * uploads in progress at start and keep separate quota counts, so a
 * receiver holds `<storage>/.lock` (created exclusively, holding its pid)
 * while it runs. A lock whose process is gone is stale and taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors';

export interface StorageLock {
  release(): Promise<void>;
}

export async function lockStorage(dir: string): Promise<StorageLock> {
  const file = join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new UserError(
        `the storage folder ${dir} is already in use by another receiver (process ${holder}): stop that receiver first, or give this one another folder with --storage`,
        { code: 'conflict' },
      );
    }
    // Left by a receiver that is gone (or half-written by one that crashed): take it over.
    await rm(file, { force: true });
  }
  throw new UserError(`another receiver keeps taking the storage folder ${dir} (${file}): stop the other receiver first`, { code: 'conflict' });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
