/**
 * What a recovery code turns into. A master key is derived from the code's
 * entropy; HKDF-SHA-256 of it with distinct info strings gives the kit's
 * lookup ID and verifier, which the receiver sees, and, with the random salt
 * stored with each kit, the key the kit is wrapped under, which it never
 * sees.
 *
 * Kits of version 2 (made now) derive the master with HKDF-SHA-256 alone:
 * the code carries 256 random bits, so stretching it adds nothing a guesser
 * would notice, while scrypt's 128 MiB would be the largest allocation of a
 * first backup. Kits of version 1, made by earlier builds, derive it with one
 * scrypt run (N = 2^17, r = 8, p = 1, 32 bytes out: about 128 MiB and half a
 * CPU-second); they are still opened, never made.
 *
 * The master's salt is a fixed label, not a random one: a new machine must
 * find the lookup ID from the code alone, before it has anything else. A
 * random salt defends low-entropy passwords against tables computed ahead;
 * the code's 256 random bits leave nothing to tabulate, and the random salt
 * still makes every kit's wrapping key its own.
 */
import { createHash, hkdfSync, scrypt } from 'node:crypto';

export type KitVersion = 1 | 2;
/** The version of the kits made now. */
export const currentKitVersion: KitVersion = 2;

export const kitHkdf = { salt: 'peer-backup recovery-kit hkdf v2', info: 'peer-backup recovery-kit master v2' } as const;
export const kitScrypt = { N: 2 ** 17, r: 8, p: 1, keyBytes: 32, salt: 'peer-backup recovery-kit scrypt v1' } as const;
const scryptMaxMemory = 256 * 1024 * 1024;

const lookupInfo = 'peer-backup recovery-kit lookup-id v1';
const verifierInfo = 'peer-backup recovery-kit verifier v1';
const wrapInfo = 'peer-backup recovery-kit wrap aes-256-gcm v1';

export interface KitKeys {
  /** The kit version these keys were derived for. */
  version: KitVersion;
  /** 64 hex digits: where the receiver files the kit. */
  lookupId: string;
  /** 64 hex digits: shown to the receiver only to fetch the kit. */
  verifier: string;
  /** Stays on this machine: the wrapping key is derived from it. */
  master: Buffer;
}

export async function deriveKitKeys(entropy: Buffer, version: KitVersion = currentKitVersion): Promise<KitKeys> {
  const master = version === 2 ? hkdf(entropy, Buffer.from(kitHkdf.salt), kitHkdf.info) : await scryptMaster(entropy);
  return { version, lookupId: hkdf(master, Buffer.alloc(0), lookupInfo).toString('hex'), verifier: hkdf(master, Buffer.alloc(0), verifierInfo).toString('hex'), master };
}

/** The AES-256-GCM key of one kit: its own random salt makes it differ from every other kit's. */
export function wrappingKey(master: Buffer, salt: Buffer): Buffer {
  return hkdf(master, salt, wrapInfo);
}

/** What the receiver keeps to check a verifier: its SHA-256, so its own files do not hold the verifier. */
export function verifierHash(verifier: string): string {
  return createHash('sha256').update(Buffer.from(verifier, 'hex')).digest('hex');
}

function scryptMaster(entropy: Buffer): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(entropy, kitScrypt.salt, kitScrypt.keyBytes, { N: kitScrypt.N, r: kitScrypt.r, p: kitScrypt.p, maxmem: scryptMaxMemory }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function hkdf(key: Buffer, salt: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, info, 32));
}
