/**
 * A sender's storage keys: what names and encrypts the chunks it stores at a
 * teammate's. Both derive from one random 32-byte storage secret that is kept
 * with the identity (a 0600 file beside the CLI's key file, the editor's
 * secret storage) and carried by the recovery code.
 *
 * Why a secret of its own rather than one derived from the Ed25519 private
 * key: the signing key proves who this machine is to registries and
 * teammates, the storage secret makes stored data readable, and a key used for
 * one job should not double for the other. Keeping them apart also lets an
 * identity be replaced (a leaked or lost key, a new peer ID) while the chunks
 * already stored stay readable, and lets the recovery code carry the secret
 * that restores data without carrying the key that can sign as this machine.
 */
import { createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

export const storageSecretBytes = 32;

/**
 * The HKDF-SHA-256 info strings, one per derived key. Changing one changes
 * every chunk ID or makes every stored chunk unreadable: they are part of the
 * storage format.
 */
export const chunkIdKeyInfo = 'peer-backup chunk-id hmac-sha256 v1';
export const sealKeyInfo = 'peer-backup chunk-seal aes-256-gcm v1';

export interface ChunkKeys {
  /** HMAC-SHA-256 key that turns a chunk's plaintext into its ID. */
  chunkIdKey: KeyObject;
  /** AES-256-GCM key that seals every chunk. */
  sealKey: KeyObject;
}

export function generateStorageSecret(): Buffer {
  return randomBytes(storageSecretBytes);
}

export function deriveChunkKeys(storageSecret: Buffer): ChunkKeys {
  if (storageSecret.length !== storageSecretBytes) throw new Error(`a storage secret is ${storageSecretBytes} bytes, got ${storageSecret.length}`);
  // No salt: the secret is already uniformly random, so HKDF's extract step needs none (RFC 5869, section 3.1).
  const derive = (info: string) => createSecretKey(Buffer.from(hkdfSync('sha256', storageSecret, Buffer.alloc(0), info, 32)));
  return { chunkIdKey: derive(chunkIdKeyInfo), sealKey: derive(sealKeyInfo) };
}
