/**
 * What a recovery code turns into. One scrypt run (N = 2^17, r = 8, p = 1,
 * 32 bytes out: about 128 MiB and half a CPU-second) over the code's
 * entropy gives a master key; HKDF-SHA-256 of it with distinct info strings
 * gives the kit's lookup ID and verifier, which the receiver sees, and,
 * with the random salt stored with each kit, the key the kit is wrapped
 * under, which it never sees.
 *
 * The scrypt salt is a fixed label, not a random one: a new machine must
 * find the lookup ID from the code alone, before it has anything else. A
 * random salt defends low-entropy passwords against tables computed ahead;
 * the code's 256 random bits leave nothing to tabulate, and the random salt
 * still makes every kit's wrapping key its own.
 */
import { createHash, hkdfSync, scrypt } from 'node:crypto';

export const kitScrypt = { N: 2 ** 17, r: 8, p: 1, keyBytes: 32, salt: 'peer-backup recovery-kit scrypt v1' } as const;
const scryptMaxMemory = 256 * 1024 * 1024;

const lookupInfo = 'peer-backup recovery-kit lookup-id v1';
const verifierInfo = 'peer-backup recovery-kit verifier v1';
const wrapInfo = 'peer-backup recovery-kit wrap aes-256-gcm v1';

export interface KitKeys {
  /** 64 hex digits: where the receiver files the kit. */
  lookupId: string;
  /** 64 hex digits: shown to the receiver only to fetch the kit. */
  verifier: string;
  /** Stays on this machine: the wrapping key is derived from it. */
  master: Buffer;
}

export async function deriveKitKeys(entropy: Buffer): Promise<KitKeys> {
  const master = await new Promise<Buffer>((resolve, reject) =>
    scrypt(entropy, kitScrypt.salt, kitScrypt.keyBytes, { N: kitScrypt.N, r: kitScrypt.r, p: kitScrypt.p, maxmem: scryptMaxMemory }, (err, key) => (err ? reject(err) : resolve(key))),
  );
  return { lookupId: expand(master, Buffer.alloc(0), lookupInfo).toString('hex'), verifier: expand(master, Buffer.alloc(0), verifierInfo).toString('hex'), master };
}

/** The AES-256-GCM key of one kit: its own random salt makes it differ from every other kit's. */
export function wrappingKey(master: Buffer, salt: Buffer): Buffer {
  return expand(master, salt, wrapInfo);
}

/** What the receiver keeps to check a verifier: its SHA-256, so its own files do not hold the verifier. */
export function verifierHash(verifier: string): string {
  return createHash('sha256').update(Buffer.from(verifier, 'hex')).digest('hex');
}

function expand(master: Buffer, salt: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, salt, info, 32));
}
