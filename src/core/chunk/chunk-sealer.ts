/**
 * Seals chunks (sealNamedChunk) on a thread of its own, so that a backup's
 * compression and encryption run beside its reading, chunking and hashing
 * instead of in turn with them. Requests are answered in the order they were
 * made; each settles with the sealed chunk in the pieces sealNamedChunkPieces
 * makes, to be written one after another rather than joined.
 */
import { ownedBuffer } from '../util/owned-buffer';
import { releaseBuffer } from '../util/release-buffer';
import { RequestThread, threadFile } from '../util/request-thread';
import type { ChunkKeys } from './chunk-keys';
import type { SealReply, SealRequest } from './chunk-seal-thread';

export class ChunkSealer {
  private readonly thread: RequestThread<SealReply>;

  constructor(keys: ChunkKeys) {
    this.thread = new RequestThread({ file: threadFile(__dirname, 'chunk-seal-thread'), workerData: keys }, 'the thread sealing chunks');
  }

  /** sealNamedChunkPieces(keys, chunkId, plaintext) on the thread. `plaintext` is handed over: the caller must not use it again. */
  async seal(chunkId: string, plaintext: Buffer): Promise<Buffer[]> {
    const owned = ownedBuffer(plaintext);
    const request: Omit<SealRequest, 'id'> = { chunkId, plaintext: owned };
    const reply = await this.thread.request(request, [owned.buffer]);
    if ('failure' in reply) throw new Error(reply.failure);
    releaseBuffer(reply.plaintext);
    return reply.pieces.map((piece) => Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
  }

  /** Stops the thread; call once every seal has settled. */
  async close(): Promise<void> {
    await this.thread.close();
  }
}
