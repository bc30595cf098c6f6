/** Everything a backup or restore needs from the CLI: the home's store and identity, the registry, the spool folder. */
import { loadOrCreateIdentity } from '../core/identity/key-file';
import { RegistryClient } from '../core/registry/registry-client';
import { resolveRegistryUrl } from '../core/registry/registry-url';
import type { RunnerContext } from '../core/runner';
import type { Home } from '../core/home';
import { withStore, type GlobalOptions } from './context';

export const registryOption = ['--registry <url>', 'the registry to find teammates in (default: $PEER_BACKUP_REGISTRY or http://127.0.0.1:7420)'] as const;

export async function withRunnerContext<T>(global: GlobalOptions, registryFlag: string | undefined, body: (context: RunnerContext, home: Home) => Promise<T>): Promise<T> {
  const registry = new RegistryClient(resolveRegistryUrl(registryFlag));
  return withStore(global, async (store, home) => body({ store, identity: await loadOrCreateIdentity(home.dir), registry, spoolDir: home.spoolDir }, home));
}
