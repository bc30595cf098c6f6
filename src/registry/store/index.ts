/** The registry's store as the server runs it: the SQLite file, with look-ups served from memory. */
import { CachedRegistryStore } from './cached-registry-store';
import type { RegistryStore } from './registry-store';
import { SqliteRegistryStore } from './sqlite-registry-store';

export async function openRegistryStore(file: string): Promise<RegistryStore> {
  return new CachedRegistryStore(await SqliteRegistryStore.open(file));
}

export type { PeerEntry, RegistryStore } from './registry-store';
