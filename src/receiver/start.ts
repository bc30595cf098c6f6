/**
 * Starts a receiver: prepares the storage folder, listens, and keeps this
 * peer announced in the registry. Shared by the CLI (`receive`, `daemon`)
 * and the extension.
 */
import type { AddressInfo } from 'node:net';
import type { Identity } from '../core/identity/keys';
import { Announcer } from '../core/registry/announcer';
import { RegistryClient } from '../core/registry/registry-client';
import type { Store } from '../core/store';
import { UserError } from '../core/errors';
import { createReceiverServer } from './server';
import { SnapshotStorage } from './snapshot-storage';

export interface ReceiverSettings {
  store: Store;
  identity: Identity;
  storageDir: string;
  port: number;
  /** The interface to listen on; every interface by default, since teammates connect from other machines. */
  host?: string;
  registryUrl: string;
  log: (entry: Record<string, unknown>) => void;
}

export interface RunningReceiver {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startReceiver(settings: ReceiverSettings): Promise<RunningReceiver> {
  const storage = new SnapshotStorage(settings.storageDir, settings.identity);
  const cleaned = await storage.init();
  if (cleaned.removedTempFiles || cleaned.removedUnreceipted) settings.log({ at: new Date().toISOString(), event: 'cleaned-storage', ...cleaned });
  const server = createReceiverServer({ identity: settings.identity, storage, store: settings.store, log: settings.log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UserError(`port ${settings.port} is already in use: stop the other receiver or choose another port`) : err),
    );
    server.listen(settings.port, settings.host ?? '::', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const announcer = new Announcer(new RegistryClient(settings.registryUrl), settings.identity, port, {
    onAnnounced: (reply) => settings.log({ at: new Date().toISOString(), event: 'announced', addresses: reply.addresses, reannounceAfter: reply.reannounceAfter }),
    onError: (err) => settings.log({ at: new Date().toISOString(), level: 'warn', event: 'announce-failed', error: err.message }),
  });
  announcer.start();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await announcer.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
