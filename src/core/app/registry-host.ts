/** Running the registry server on this machine, with its own database (SQLite by default). */
import type { RegistryOptions, RunningRegistry } from '../../registry/server';

export interface HostRegistryOptions extends Omit<RegistryOptions, 'store' | 'now'> {
  dbFile: string;
}

/** Opens the registry's database and serves it; stopping closes both. */
export async function hostRegistry({ dbFile, ...options }: HostRegistryOptions): Promise<RunningRegistry> {
  // Loaded only here: a machine that only backs up never pays for the server's modules.
  const [{ openRegistryStore }, { startRegistry }] = await Promise.all([import('../../registry/store/index.js'), import('../../registry/server.js')]);
  const store = await openRegistryStore(dbFile);
  let registry: RunningRegistry;
  try {
    registry = await startRegistry({ ...options, store });
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
