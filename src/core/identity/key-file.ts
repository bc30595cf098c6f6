/** The CLI keeps its private key in the home folder, readable by its owner only. */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
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
    if (await publish(file, identity.privateKeyPem)) return identity;
    pem = await readFile(file, 'utf8');
  }
  try {
    return identityFromPem(pem);
  } catch (err) {
    throw new UserError(`${file} does not hold a usable Ed25519 private key: restore it from a backup, or move it aside to make a new identity (your peer ID will change).`, { cause: err });
  }
}

/**
 * Writes the key beside `file` and syncs it, then hard-links it into place:
 * the link appears whole or not at all and never replaces a key another
 * process published a moment ago, so a concurrent reader cannot see half a
 * key. False when another process won.
 */
async function publish(file: string, pem: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(pem);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    await unlink(temp);
  }
}
