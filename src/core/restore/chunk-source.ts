/**
 * Where a restore reads a snapshot's chunks from: the teammate's receiver
 * over the network (transfer/chunk-client.ts), seen by the restore through
 * this interface only. What it yields is untrusted: every sealed chunk is
 * opened (tag, then ID) and every reference chunk hashed before use.
 */
export interface StoredChunk {
  id: string;
  /** A sealed chunk as stored, or a reference chunk's plain bytes. */
  bytes: Buffer;
}

export interface ChunkSource {
  /** The stored bytes of each of `ids` (at most maxIdsPerRead, maxBytesPerRead in all), in the order asked. */
  read(ids: string[], signal?: AbortSignal): AsyncIterable<StoredChunk>;
}
