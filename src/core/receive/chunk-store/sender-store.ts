/** One sender's open store: where it lives, its chunks in memory, and the lock that keeps commit, garbage collection and pack publishing apart. */
import { Mutex } from 'async-mutex';
import type { ChunkIndex } from './chunk-index';
import type { StoreLayout } from './store-layout';

export interface SenderStore {
  layout: StoreLayout;
  index: ChunkIndex;
  /** Held while the set of packs or of snapshots changes, or is read to decide such a change. */
  serial: Mutex;
}
