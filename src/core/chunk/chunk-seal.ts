/**
 * Sealing a chunk for the teammate's store, and opening it again on restore.
 *
 * A sealed chunk is
 *
 *   version (1 byte, 1) || codec (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)
 *
 * where the ciphertext is AES-256-GCM under the seal key, with a fresh random
 * nonce, of the plaintext as the codec byte says: 0 stored as it is, 2
 * Zstandard; 1, Brotli, is what earlier versions sealed with, and still
 * opens. The associated data is the version and codec bytes followed by the
 * 32 bytes of the chunk ID, so a chunk stored under another chunk's ID, or
 * with its codec byte changed, fails the tag like any altered byte does.
 * Nothing is decompressed before the tag checks out; the size bound on
 * decompression and the final ID check guard against chunks sealed under
 * this key by faulty or hostile software that holds it. docs/PROTOCOL.md
 * ("Keys, chunk IDs and sealed chunks") has the rest.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { brotliDecompressSync } from 'node:zlib';
import { UserError } from '../errors';
import { printable } from '../printable';
import { releaseBuffer } from '../util/release-buffer';
import { chunkIdOf, isChunkId } from './chunk-id';
import type { ChunkKeys } from './chunk-keys';
import { zstdCompressToScratch, zstdDecompress } from './zstd';

/** The most a chunk holds; the chunker never cuts a larger one, and a restore never unpacks one. */
export const maxChunkBytes = 8 * 1024 * 1024;

const formatVersion = 1;
const codecStored = 0;
const codecBrotli = 1;
const codecZstd = 2;
const nonceBytes = 12;
const tagBytes = 16;
const headerBytes = 2 + nonceBytes;
/**
 * Brotli's output comes in pieces of this size, joined at the end: the
 * default 16 KiB makes a chunk of a megabyte some sixty buffers, each a call
 * into zlib of its own.
 */
const brotliPieceBytes = 256 * 1024;
/** Compressed data is kept only when it saves at least this fraction of the chunk; else the chunk is stored as it is. */
const minSavingDivisor = 16;

export interface SealedChunk {
  id: string;
  sealed: Buffer;
}

export function sealChunk(keys: ChunkKeys, plaintext: Buffer): SealedChunk {
  const id = chunkIdOf(keys.chunkIdKey, plaintext);
  return { id, sealed: sealNamedChunk(keys, id, plaintext) };
}

/** sealChunk for a chunk whose ID the caller already computed (with chunkIdOf and the same keys). */
export function sealNamedChunk(keys: ChunkKeys, id: string, plaintext: Buffer): Buffer {
  return Buffer.concat(sealNamedChunkPieces(keys, id, plaintext));
}

/**
 * sealNamedChunk as the pieces it joins, in order: version, codec and nonce;
 * ciphertext; tag. For a thread that seals and hands the pieces over, so
 * that none of them is left for its own collector.
 */
export function sealNamedChunkPieces(keys: ChunkKeys, id: string, plaintext: Buffer): Buffer[] {
  if (plaintext.length > maxChunkBytes) throw new Error(`a chunk holds at most ${maxChunkBytes} bytes, got ${plaintext.length}`);
  if (plaintext.length === 0) return envelope(keys, id, codecStored, plaintext);
  // The compressed bytes live in a scratch buffer until the next compression: they are encrypted right away.
  const compressed = zstdCompressToScratch(plaintext);
  const worthIt = minSavingDivisor * (plaintext.length - compressed.length) >= plaintext.length;
  return worthIt ? envelope(keys, id, codecZstd, compressed) : envelope(keys, id, codecStored, plaintext);
}

function envelope(keys: ChunkKeys, id: string, codec: number, body: Buffer): Buffer[] {
  const header = Buffer.alloc(headerBytes);
  header[0] = formatVersion;
  header[1] = codec;
  const nonce = randomBytes(nonceBytes);
  nonce.copy(header, 2);
  const cipher = createCipheriv('aes-256-gcm', keys.sealKey, nonce, { authTagLength: tagBytes });
  cipher.setAAD(associatedData(header, id));
  // GCM's final() adds no bytes: the ciphertext is update()'s alone.
  const ciphertext = cipher.update(body);
  cipher.final();
  return [header, ciphertext, cipher.getAuthTag()];
}

/** The chunk's plaintext, once the tag, the size bound and the ID all check out. */
export function openChunk(keys: ChunkKeys, chunkId: string, sealed: Buffer): Buffer {
  if (!isChunkId(chunkId)) throw new Error(`not a chunk ID: "${printable(chunkId.slice(0, 80))}"`);
  if (sealed.length < headerBytes + tagBytes || sealed.length > headerBytes + maxChunkBytes + tagBytes) {
    throw new UserError(
      `The teammate's copy of chunk ${chunkId} is ${sealed.length} bytes, a size no sealed chunk has: it was cut short or altered. Restore it from another snapshot or teammate if one holds it.`,
      { code: 'tampered' },
    );
  }
  const version = sealed[0]!;
  if (version !== formatVersion) {
    throw new UserError(
      `Chunk ${chunkId} is in storage format ${version}, which this version of Peer Backup cannot read: update Peer Backup. If it is up to date, the teammate's copy was altered.`,
      { code: 'damaged' },
    );
  }
  const header = sealed.subarray(0, headerBytes);
  const decipher = createDecipheriv('aes-256-gcm', keys.sealKey, header.subarray(2), { authTagLength: tagBytes });
  decipher.setAAD(associatedData(header, chunkId));
  decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
  const body = decipher.update(sealed.subarray(headerBytes, sealed.length - tagBytes));
  try {
    decipher.final();
  } catch (cause) {
    throw new UserError(
      `The teammate's copy of chunk ${chunkId} fails its authentication check: it was altered or damaged, stored under another chunk's ID, or sealed with another storage key. Restore it from another snapshot or teammate if one holds it.`,
      { code: 'tampered', cause },
    );
  }
  const plaintext = decode(chunkId, header[1]!, body);
  // The compressed bytes are of no use once unpacked; released now, they are not left for the collector.
  if (plaintext !== body) releaseBuffer(body);
  if (chunkIdOf(keys.chunkIdKey, plaintext) !== chunkId) {
    throw new UserError(`Chunk ${chunkId} opens to data whose ID is another: it was sealed under the wrong ID by software holding this storage key.`, { code: 'damaged' });
  }
  return plaintext;
}

function decode(chunkId: string, codec: number, body: Buffer): Buffer {
  if (codec === codecStored) return body;
  if (codec === codecZstd) {
    const outcome = zstdDecompress(body, maxChunkBytes);
    if (outcome === 'too-large') throw tooLarge(chunkId);
    if (outcome === 'malformed') throw notOurs(chunkId);
    return outcome;
  }
  if (codec !== codecBrotli) {
    throw new UserError(`Chunk ${chunkId} is compressed with codec ${codec}, which this version of Peer Backup cannot read: update Peer Backup.`, { code: 'damaged' });
  }
  try {
    // The bound stops decompression as soon as the output passes it, so a chunk that would expand without end is never held whole.
    return brotliDecompressSync(body, { maxOutputLength: maxChunkBytes, chunkSize: brotliPieceBytes });
  } catch (cause) {
    throw (cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge(chunkId, cause) : notOurs(chunkId, cause);
  }
}

function tooLarge(chunkId: string, cause?: unknown): UserError {
  return new UserError(`Chunk ${chunkId} unpacks to more than ${maxChunkBytes} bytes, the most a chunk holds: it was not sealed by Peer Backup, so it is not unpacked.`, {
    code: 'damaged',
    cause,
  });
}

function notOurs(chunkId: string, cause?: unknown): UserError {
  return new UserError(`Chunk ${chunkId} does not decompress: it was not sealed by Peer Backup.`, { code: 'damaged', cause });
}

function associatedData(header: Buffer, chunkId: string): Buffer {
  return Buffer.concat([header.subarray(0, 2), Buffer.from(chunkId, 'hex')]);
}
