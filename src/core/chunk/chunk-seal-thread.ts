/**
 * The thread that seals a backup's chunks (chunk-sealer.ts): a file of its
 * own, built beside the bundles, since it runs chunk-seal.ts itself rather
 * than a copy. Its keys come once, as workerData; each message is one
 * chunk's ID and plaintext, handed over, and the reply hands over the sealed
 * chunk's pieces and hands the plaintext back: every buffer a chunk takes is
 * freed by the sending thread's collector, none left waiting on this
 * thread's, which seldom runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ownedBuffer } from '../util/owned-buffer';
import type { ChunkKeys } from './chunk-keys';
import { sealNamedChunkPieces } from './chunk-seal';

export interface SealRequest {
  id: number;
  chunkId: string;
  plaintext: Uint8Array;
}

export type SealReply = { id: number; pieces: Uint8Array[]; plaintext: Uint8Array } | { id: number; failure: string };

const keys = workerData as ChunkKeys;
const port = parentPort!;

port.on('message', ({ id, chunkId, plaintext }: SealRequest) => {
  let pieces: Buffer<ArrayBuffer>[];
  try {
    pieces = sealNamedChunkPieces(keys, chunkId, Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)).map(ownedBuffer);
  } catch (err) {
    port.postMessage({ id, failure: `sealing chunk ${chunkId} failed: ${(err as Error).message}` } satisfies SealReply);
    return;
  }
  port.postMessage({ id, pieces, plaintext } satisfies SealReply, [...pieces.map((piece) => piece.buffer), plaintext.buffer as ArrayBuffer]);
});
