/**
 * A chunk's ID: HMAC-SHA-256 of its plaintext under the sender's chunk-ID key,
 * as 64 lowercase hex digits. Equal plaintexts get equal IDs, so the receiver
 * can store each chunk once; being keyed, an ID lets no one without the key
 * confirm a guess of what a chunk holds.
 */
import { createHmac, type KeyObject } from 'node:crypto';

const chunkIdPattern = /^[0-9a-f]{64}$/;

export function chunkIdOf(chunkIdKey: KeyObject, plaintext: Buffer): string {
  return createHmac('sha256', chunkIdKey).update(plaintext).digest('hex');
}

export function isChunkId(text: string): boolean {
  return chunkIdPattern.test(text);
}
