/**
 * Starts a receiver: prepares the storage folder, listens, and keeps this
 * peer announced in the registry. Shared by the CLI (`receive`, `daemon`)
 * and the extension.
 */
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import {
  Announcer,
  ChunkStore,
  lockStorage,
  mapPort,
  receiverLimitsFromEnv,
  RegistryClient,
  SnapshotStorage,
  SpaceLedger,
  tlsCredentialsOf,
  UserError,
  type Identity,
  type PeerAddress,
  type PortMappingOutcome,
  type ReceiverLimits,
  type Store,
} from '../core/receive';
import { listen, type Logger } from '../http-server';
import { createReceiverServer } from './server';

const scrubEveryMs = 24 * 60 * 60 * 1000;

export interface ReceiverSettings {
  store: Store;
  identity: Identity;
  storageDir: string;
  port: number;
  /** The interface to listen on; every interface by default, since teammates connect from other machines. */
  host?: string;
  registryUrl: string;
  /** Request lines and the `cleaned-storage`, `cleaned-chunk-store`, `announced`, `announce-failed`, `port-mapped`, `port-not-mapped`, `port-mapping-renewal-failed` and daily `scrubbed` events (make one with jsonLogger). */
  log: Logger;
  /** Asks the router (UPnP IGD or NAT-PMP) to forward the port, and announces the forwarded address too; never when listening on loopback only. */
  mapPort?: boolean;
  /** By default, defaultReceiverLimits with the timeouts the environment sets (receiverLimitsFromEnv). */
  limits?: ReceiverLimits;
}

export interface RunningReceiver {
  port: number;
  url: string;
  /** What the router said to the port mapping, once it has (within seconds); undefined when mapping was off. */
  portMapping: Promise<PortMappingOutcome | undefined>;
  stop(): Promise<void>;
}

export async function startReceiver(settings: ReceiverSettings): Promise<RunningReceiver> {
  const { log } = settings;
  await mkdir(settings.storageDir, { recursive: true, mode: 0o700 });
  // Before anything touches the folder: another receiver's uploads in progress are not ours to clean up.
  const lock = await lockStorage(settings.storageDir);
  const { app, port, chunks } = await serve(settings).catch(async (err: unknown) => {
    await lock.release();
    throw err;
  });
  const scrubbing = scheduleScrubs(chunks, log);
  let forwarded: PeerAddress[] = [];
  const announcer = new Announcer(new RegistryClient(settings.registryUrl), settings.identity, port, {
    bindHost: settings.host,
    forwardedAddresses: () => forwarded,
    onAnnounced: (reply) => log.info({ event: 'announced', addresses: reply.addresses, reannounceAfter: reply.reannounceAfter }),
    onError: (err) => log.warn({ event: 'announce-failed', error: err.message }),
  });
  announcer.start();
  // Receiving does not wait for the router: the forwarded address is announced once the mapping is made.
  const portMapping =
    settings.mapPort && !listensOnLoopbackOnly(settings.host)
      ? forwardPort(port, log, (address) => {
          forwarded = [address];
          announcer.addressesChanged();
        })
      : Promise.resolve(undefined);
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    portMapping,
    stop: async () => {
      clearInterval(scrubbing);
      await announcer.stop();
      const outcome = await portMapping;
      if (outcome?.mapped) await outcome.mapping.remove();
      await app.close();
      await lock.release();
    },
  };
}

/** Asks the router to forward `port`, logs what it said, and hands a forwarded address to `onForwarded`. */
async function forwardPort(port: number, log: Logger, onForwarded: (address: PeerAddress) => void): Promise<PortMappingOutcome> {
  const outcome = await mapPort(port, { onRenewFailed: (err) => log.warn({ event: 'port-mapping-renewal-failed', error: err.message }) }).catch(
    (err: Error): PortMappingOutcome => ({ mapped: false, reason: err.message }),
  );
  if (outcome.mapped) {
    const { external, via, gateway } = outcome.mapping;
    log.info({ event: 'port-mapped', via, gateway, external: `${external.host}:${external.port}` });
    onForwarded(external);
  } else {
    log.info({ event: 'port-not-mapped', reason: outcome.reason || 'no router answered' });
  }
  return outcome;
}

/** A router cannot forward to this machine's loopback: no mapping to ask for. */
function listensOnLoopbackOnly(host: string | undefined): boolean {
  return host !== undefined && (host === 'localhost' || host === '::1' || host.startsWith('127.'));
}

/** Prepares the (locked) storage folder and listens. */
async function serve(settings: ReceiverSettings): Promise<{ app: FastifyInstance; port: number; chunks: ChunkStore }> {
  const { log } = settings;
  // One ledger for both formats: a sender's quota covers its archives and its chunks together.
  const space = new SpaceLedger();
  const storage = new SnapshotStorage(settings.storageDir, settings.identity, space);
  const cleaned = await storage.init();
  if (cleaned.removedTempFiles || cleaned.removedUnreceipted || cleaned.removedOrphanReceipts) log.info({ event: 'cleaned-storage', ...cleaned });
  // After storage.init(), which resets the ledger to the archives' usage; the chunks' usage is added to it.
  const chunks = new ChunkStore({ storageDir: settings.storageDir, identity: settings.identity, space });
  const cleanedChunks = await chunks.open();
  if (Object.values(cleanedChunks).some((count) => count > 0)) log.info({ event: 'cleaned-chunk-store', ...cleanedChunks });
  const tls = tlsCredentialsOf(settings.identity);
  const app = createReceiverServer({ identity: settings.identity, tls, storage, chunks, store: settings.store, log, limits: settings.limits ?? receiverLimitsFromEnv() });
  const { port } = await listen(app, settings.host ?? '::', settings.port, (err) =>
    err.code === 'EADDRINUSE' ? new UserError(`port ${settings.port} is already in use: stop the other receiver or choose another port`, { code: 'conflict' }) : err,
  );
  return { app, port, chunks };
}

/** The receiver scrubs every sender's packs once a day on its own, and logs what it found, so damage shows before anyone needs a restore. */
function scheduleScrubs(chunks: ChunkStore, log: Logger): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    chunks
      .scrubAll((sender, report) => {
        const damagedSnapshots = report.snapshots.filter((snapshot) => snapshot.damagedPacks.length > 0 || snapshot.problem).map((snapshot) => snapshot.snapshotId);
        const line = { event: 'scrubbed', sender, packsChecked: report.packsChecked, damagedPacks: report.damagedPacks, damagedSnapshots };
        if (report.damagedPacks.length > 0 || damagedSnapshots.length > 0) log.warn(line);
        else log.info(line);
      })
      .catch((err: Error) => log.warn({ event: 'scrub-failed', error: err.message }))
      .finally(() => (running = false));
  }, scrubEveryMs);
  timer.unref();
  return timer;
}
