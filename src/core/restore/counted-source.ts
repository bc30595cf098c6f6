/** A chunk source that counts the bytes it yields: what a restore fetched from the teammate. */
import type { ChunkSource } from './chunk-source';

export interface CountedSource {
  source: ChunkSource;
  bytes(): number;
}

export function countedSource(inner: ChunkSource): CountedSource {
  let bytes = 0;
  return {
    source: {
      async *read(ids, signal) {
        for await (const chunk of inner.read(ids, signal)) {
          bytes += chunk.bytes.length;
          yield chunk;
        }
      },
    },
    bytes: () => bytes,
  };
}
