/**
 * What the backup's thread does to seal a chunk (chunk-sealer.ts asks,
 * backup-thread-main.ts runs it). A request is one chunk's ID and plaintext,
 * handed over; the reply hands over the sealed chunk's pieces and hands the
 * plaintext back: every buffer a chunk takes is freed by the sending
 * thread's collector, none left waiting on this thread's, which seldom runs.
 */
import { ownedBuffer } from '../util/owned-buffer';
import type { ChunkKeys } from './chunk-keys';
import { sealNamedChunkPieces } from './chunk-seal';

export interface SealRequest {
  kind: 'seal';
  id: number;
  chunkId: string;
  plaintext: Uint8Array;
}

export type SealReply = { id: number; pieces: Uint8Array[]; plaintext: Uint8Array } | { id: number; failure: string };

export function answerSeal(keys: ChunkKeys, { id, chunkId, plaintext }: SealRequest): { reply: SealReply; transfer: ArrayBuffer[] } {
  let pieces: Buffer<ArrayBuffer>[];
  try {
    pieces = sealNamedChunkPieces(keys, chunkId, Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)).map(ownedBuffer);
  } catch (err) {
    return { reply: { id, failure: `sealing chunk ${chunkId} failed: ${(err as Error).message}` }, transfer: [] };
  }
  return { reply: { id, pieces, plaintext }, transfer: [...pieces.map((piece) => piece.buffer), plaintext.buffer as ArrayBuffer] };
}
