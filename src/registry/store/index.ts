/**
 * The registry's store as the server runs it: a SQLite file that this
 * registry alone writes, or a PostgreSQL database that several share; either
 * way look-ups are served from memory.
 */
import { CachedRegistryStore } from './cached-registry-store';
import { isPostgresUrl, PostgresRegistryStore } from './postgres-registry-store';
import type { RegistryStore } from './registry-store';
import { SqliteRegistryStore } from './sqlite-registry-store';

/** How far a look-up may lag an announcement made at another registry on the same PostgreSQL database. */
export const sharedCacheMaxAgeMs = 2_000;

/** Opens `db`: a postgres:// URL, else a SQLite file. */
export async function openRegistryStore(db: string): Promise<RegistryStore> {
  if (isPostgresUrl(db)) return new CachedRegistryStore(await PostgresRegistryStore.open(db), { maxAgeMs: sharedCacheMaxAgeMs });
  return new CachedRegistryStore(await SqliteRegistryStore.open(db));
}

export { describePostgresUrl, isPostgresUrl } from './postgres-registry-store';
export type { PeerEntry, RegistryStore } from './registry-store';
