/** The CLI keeps its private key in the home folder, readable by its owner only. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors';
import { generateIdentity, identityFromPem, type Identity } from './keys';

export const keyFileName = 'identity.pem';

/** Loads the home's identity, creating it on first use. */
export async function loadOrCreateIdentity(homeDir: string): Promise<Identity> {
  const file = join(homeDir, keyFileName);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const identity = generateIdentity();
    try {
      // 'wx': never replace a key another process created a moment ago.
      await writeFile(file, identity.privateKeyPem, { mode: 0o600, flag: 'wx' });
      return identity;
    } catch (writeErr) {
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
      pem = await readFile(file, 'utf8');
    }
  }
  try {
    return identityFromPem(pem);
  } catch (err) {
    throw new UserError(`${file} does not hold a usable Ed25519 private key: restore it from a backup, or move it aside to make a new identity (your peer ID will change).`, { cause: err });
  }
}
