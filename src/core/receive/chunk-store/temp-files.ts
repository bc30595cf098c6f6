/** Files are made in the store's `.tmp` folder and published from there, so that a crash leaves its leftovers in one place, cleared at open. */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreLayout } from './store-layout';

export function tempPath(layout: StoreLayout): string {
  return join(layout.tempDir, `${randomBytes(12).toString('hex')}.part`);
}

/** Writes `data` to a new temp file and returns its path. */
export async function writeTempFile(layout: StoreLayout, data: string | Buffer): Promise<string> {
  const path = tempPath(layout);
  await writeFile(path, data, { flag: 'wx', mode: 0o600 });
  return path;
}
