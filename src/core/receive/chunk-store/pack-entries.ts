/**
 * What a pack may hold and how its entries are recorded. A pack is a ustar
 * archive of sealed chunks (`<id>`) and reference chunks (`<id>.r`); each
 * entry is recorded with the offset and length of its data within the pack
 * file, so that a read serves it straight from that byte range.
 */
import { maxChunkBytes } from '../../chunk/chunk-seal';
import { chunkIdPattern, maxIdsPerReferenceChunk, referenceEntrySuffix } from '../../wire/chunk-protocol';

export type ChunkKind = 'sealed' | 'reference';

export interface PackEntry {
  id: string;
  kind: ChunkKind;
  /** Where the entry's data starts in the pack file. */
  offset: number;
  length: number;
}

/** A sealed chunk's version, codec and nonce (14 bytes) before its ciphertext, and its tag (16 bytes) after: docs/PROTOCOL.md ("Keys, chunk IDs and sealed chunks"). */
export const sealedOverheadBytes = 30;
export const maxSealedChunkBytes = sealedOverheadBytes + maxChunkBytes;
export const maxReferenceChunkBytes = 32 * maxIdsPerReferenceChunk;

/** The entry name a chunk has in packs and in read answers. */
export function entryName(entry: { id: string; kind: ChunkKind }): string {
  return entry.kind === 'reference' ? `${entry.id}${referenceEntrySuffix}` : entry.id;
}

/** The chunk an entry name stands for, or undefined when it names none. */
export function chunkOfEntryName(name: string): { id: string; kind: ChunkKind } | undefined {
  const kind: ChunkKind = name.endsWith(referenceEntrySuffix) ? 'reference' : 'sealed';
  const id = kind === 'reference' ? name.slice(0, -referenceEntrySuffix.length) : name;
  return chunkIdPattern.test(id) ? { id, kind } : undefined;
}

/** Why a chunk of this kind cannot be `length` bytes long; undefined when it can. */
export function lengthProblem(kind: ChunkKind, length: number): string | undefined {
  if (kind === 'sealed') {
    return length < sealedOverheadBytes || length > maxSealedChunkBytes ? `a sealed chunk is ${sealedOverheadBytes} to ${maxSealedChunkBytes} bytes` : undefined;
  }
  return length === 0 || length % 32 !== 0 || length > maxReferenceChunkBytes ? `a reference chunk is 1 to ${maxIdsPerReferenceChunk} IDs of 32 bytes` : undefined;
}

/** The bytes an entry takes in a tar stream: its header and its data padded to the block size. */
export function tarEntryBytes(length: number): number {
  return 512 + Math.ceil(length / 512) * 512;
}
