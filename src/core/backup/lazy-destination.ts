/**
 * A destination reached on first use. A run walks the plan before it needs
 * the teammate, so a designated path that is gone is reported as such even
 * while the teammate is offline, and nothing is sent for it.
 */
import type { ChunkDestination } from './chunk-destination';

export function reachedOnFirstUse(reach: () => Promise<ChunkDestination>): ChunkDestination {
  let reaching: Promise<ChunkDestination> | undefined;
  const destination = () => {
    reaching ??= reach();
    return reaching;
  };
  return {
    missing: async (ids, signal) => (await destination()).missing(ids, signal),
    putPack: async (pack, signal, onBytes) => (await destination()).putPack(pack, signal, onBytes),
    commit: async (snapshotId, manifest, signal) => (await destination()).commit(snapshotId, manifest, signal),
  };
}
