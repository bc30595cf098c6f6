/** Running the registry server on this machine, with its own database (SQLite by default). */
import { openRegistryStore } from '../../registry/store';
import { startRegistry, type RunningRegistry } from '../../registry/server';
import type { Logger } from '../log';

export interface HostRegistryOptions {
  dbFile: string;
  host: string;
  port: number;
  ttlSeconds: number;
  rateLimitPerMinute: number;
  log: Logger;
}

/** Opens the registry's database and serves it; stopping closes both. */
export async function hostRegistry(options: HostRegistryOptions): Promise<RunningRegistry> {
  const store = await openRegistryStore(options.dbFile);
  let registry: RunningRegistry;
  try {
    registry = await startRegistry({ store, host: options.host, port: options.port, ttlSeconds: options.ttlSeconds, rateLimitPerMinute: options.rateLimitPerMinute, log: options.log });
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    url: registry.url,
    close: async () => {
      await registry.close();
      await store.close();
    },
  };
}
