/** A key kept in a file of the home (identity.pem, storage-secret): read, written whole as a new 0600 file, or set aside. */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors';
import { writeNewFile } from '../util/publish-file';
import { setFileAside, type KeyPlace } from './install-keys';

export function fileKeyPlace(file: string, now: () => number = Date.now): KeyPlace {
  return {
    description: file,
    get: async () => {
      try {
        return await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    set: async (text) => {
      if ((await writeNewFile(file, text, 0o600)) === 'exists') {
        throw new UserError(`${file} appeared while the recovered key was being written: another Peer Backup is using this home; stop it and recover again.`, { code: 'conflict' });
      }
    },
    setAside: () => setFileAside(file, now()),
  };
}
