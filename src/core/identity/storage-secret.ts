/**
 * The storage secret (chunk/chunk-keys.ts): the CLI keeps it in its home as
 * `storage-secret` (32 bytes in base64 on one line, mode 0600), the editor in
 * a second secret-storage slot. Every chunk stored at a teammate's is named
 * and sealed under it, so it is never silently made again: its fingerprint
 * is recorded in the database the first time it is used, and a secret that
 * is missing or different while a fingerprint exists is refused.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateStorageSecret, storageSecretBytes } from '../chunk/chunk-keys';
import { UserError } from '../errors';
import type { Store } from '../store';
import { writeNewFile } from '../util/publish-file';
import type { SecretSlot } from './shared-identity';

export const storageSecretFileName = 'storage-secret';

const fingerprintLabel = 'peer-backup storage-secret fingerprint';
const creationLease = 'storage-secret-creation';
const creationLeaseTtlMs = 10_000;
const waitStepMs = 100;

/** Names the secret without revealing it: HMAC-SHA-256 keyed by the secret, in hex. */
export function storageSecretFingerprint(secret: Buffer): string {
  return createHmac('sha256', secret).update(fingerprintLabel).digest('hex');
}

/** The home's storage secret, created on first use. */
export async function loadOrCreateStorageSecretFile(homeDir: string, store: Store): Promise<Buffer> {
  const file = join(homeDir, storageSecretFileName);
  return checked(file, store, async () => {
    const existing = await readSecretFile(file);
    if (existing !== undefined) return existing;
    await refuseIfRecorded(file, store);
    const secret = generateStorageSecret();
    // Published whole or not at all, never over a secret another process made a moment ago.
    if ((await writeNewFile(file, `${secret.toString('base64')}\n`, 0o600)) === 'published') return secret;
    return (await readSecretFile(file))!;
  });
}

/** The editor's storage secret, kept in `slot`; created once under a lease, as the identity is (shared-identity.ts). */
export async function loadOrCreateStorageSecretInSlot(slot: SecretSlot, store: Store): Promise<Buffer> {
  return checked(slot.description, store, async () => {
    const existing = await slot.get();
    if (existing !== undefined) return parse(slot.description, existing);
    await refuseIfRecorded(slot.description, store);
    const holder = randomUUID();
    while (!(await store.leases.acquire(creationLease, holder, creationLeaseTtlMs))) await sleep(waitStepMs);
    try {
      const madeMeanwhile = await slot.get();
      if (madeMeanwhile !== undefined) return parse(slot.description, madeMeanwhile);
      const secret = generateStorageSecret();
      await slot.set(secret.toString('base64'));
      return secret;
    } finally {
      await store.leases.release(creationLease, holder);
    }
  });
}

/** Loads (or makes) the secret, then holds it to the fingerprint on record, recording it if none is. */
async function checked(where: string, store: Store, load: () => Promise<Buffer>): Promise<Buffer> {
  const secret = await load();
  const recorded = await store.storageSecretFingerprint.recordFirst(storageSecretFingerprint(secret));
  if (recorded !== storageSecretFingerprint(secret)) {
    throw new UserError(
      `The storage secret in ${where} is not the one this database's backups were stored under (${store.file} records another): every stored chunk is readable only with the original. ` +
        'Put the original back (from a backup of the file, or from your recovery code) and run again.',
      { code: 'damaged' },
    );
  }
  return secret;
}

async function refuseIfRecorded(where: string, store: Store): Promise<void> {
  if ((await store.storageSecretFingerprint.get()) === undefined) return;
  throw new UserError(
    `The storage secret in ${where} is missing, but ${store.file} records that backups were stored under one: without it they cannot be read, and a new one would start over. ` +
      'Restore it (from a backup of the file, or from your recovery code) and run again.',
    { code: 'damaged' },
  );
}

async function readSecretFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new UserError(`Cannot read the storage secret ${file} (${code}): make it readable by you, and only you (chmod 600).`, { cause: err });
    }
    throw err;
  }
  return parse(file, text);
}

function parse(where: string, text: string): Buffer {
  const trimmed = text.trim();
  const secret = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || secret.length !== storageSecretBytes) {
    throw new UserError(
      `The storage secret in ${where} is not ${storageSecretBytes} bytes of base64 on one line: it was altered or damaged. Restore it (from a backup of the file, or from your recovery code).`,
      { code: 'damaged' },
    );
  }
  return secret;
}
