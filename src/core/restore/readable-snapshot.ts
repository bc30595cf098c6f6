/**
 * A snapshot as a restore reads it: its opened manifest, the keys its chunks
 * were sealed with, and where its chunks come from.
 */
import type { ChunkKeys } from '../chunk/chunk-keys';
import { maxBytesPerRead, maxIdsPerRead, type Manifest } from '../wire/chunk-protocol';
import type { ChunkSource } from './chunk-source';

export interface ReadLimits {
  /** Chunks one read asks for. */
  maxIds: number;
  /** Bytes the entries of one read may total, counted at their largest. */
  maxBytes: number;
}

export const defaultReadLimits: ReadLimits = { maxIds: maxIdsPerRead, maxBytes: maxBytesPerRead };

export interface ReadableSnapshot {
  manifest: Manifest;
  keys: ChunkKeys;
  source: ChunkSource;
  /** Smaller reads than the protocol allows, for a source that asks for them; the protocol's limits by default. */
  limits?: ReadLimits;
}
