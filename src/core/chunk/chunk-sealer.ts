/**
 * Seals chunks (sealNamedChunk) on the backup's thread (backup-thread.ts,
 * which runs seal-request.ts), so that a backup's compression and
 * encryption run beside its reading, chunking and hashing instead of in
 * turn with them. Requests are answered in the order they were made; each
 * settles with the sealed chunk in the pieces sealNamedChunkPieces makes, to
 * be written one after another rather than joined.
 */
import { ownedBuffer } from '../util/owned-buffer';
import { releaseBuffer } from '../util/release-buffer';
import type { RequestThread } from '../util/request-thread';
import type { SealReply, SealRequest } from './seal-request';

export class ChunkSealer {
  /** `thread` runs seal-request.ts with the backup's chunk keys; the caller closes it. */
  constructor(private readonly thread: RequestThread) {}

  /** sealNamedChunkPieces(keys, chunkId, plaintext) on the thread. `plaintext` is handed over: the caller must not use it again. */
  async seal(chunkId: string, plaintext: Buffer): Promise<Buffer[]> {
    const owned = ownedBuffer(plaintext);
    const request: Omit<SealRequest, 'id'> = { kind: 'seal', chunkId, plaintext: owned };
    const reply = await this.thread.request<SealReply>(request, [owned.buffer]);
    if ('failure' in reply) throw new Error(reply.failure);
    releaseBuffer(reply.plaintext);
    return reply.pieces.map((piece) => Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
  }
}
