/** The CLI keeps its private key in the home folder, readable by its owner only. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors';
import { writeNewFile } from '../util/publish-file';
import { generateIdentity, identityFromPem, type Identity } from './keys';

export const keyFileName = 'identity.pem';

/** Loads the home's identity, creating it on first use. */
export async function loadOrCreateIdentity(homeDir: string): Promise<Identity> {
  const file = join(homeDir, keyFileName);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw describeReadError(file, err as NodeJS.ErrnoException);
    const identity = generateIdentity();
    // Published whole or not at all, never over a key another process made a moment ago.
    if ((await writeNewFile(file, identity.privateKeyPem, 0o600)) === 'published') return identity;
    pem = await readFile(file, 'utf8');
  }
  try {
    return identityFromPem(pem);
  } catch (err) {
    throw new UserError(`${file} does not hold a usable Ed25519 private key: ${restoreOrMoveAside}.`, { code: 'damaged', cause: err });
  }
}

const restoreOrMoveAside = 'restore it from a backup, or move it aside to make a new identity (your peer ID will change)';

function describeReadError(file: string, err: NodeJS.ErrnoException): Error {
  if (err.code === 'EISDIR') return new UserError(`${file} is a folder, not a key file: ${restoreOrMoveAside}.`, { code: 'damaged', cause: err });
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new UserError(`Cannot read the key file ${file} (${err.code}): make it readable by you, and only you (chmod 600).`, { cause: err });
  }
  return err;
}
