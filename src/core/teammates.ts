/**
 * How each teammate this machine backs up to stands: online or not as the
 * registry sees it, and when a backup to them last succeeded.
 *
 * "Online" means the registry holds a live announcement from them, which is
 * what the registry can tell; whether a connection then gets through is
 * found out by the next backup.
 */
import { formatTime } from './human-format';
import { codeOf } from './errors';
import type { PeerLookup } from './transfer/connect';
import type { Destination, Store } from './store';

export type Reachability = 'online' | 'offline' | 'unknown';

export interface TeammateStatus {
  label: string;
  peerId: string;
  /** True once a handshake has pinned their key. */
  keyPinned: boolean;
  reachability: Reachability;
  /** Why the state is unknown (registry unreachable, ...), or until when an online entry lasts. */
  reachabilityDetail: string | undefined;
  /** When the latest successful backup of a plan aimed at them ended. */
  lastBackupAt: number | undefined;
}

export async function teammateStatuses(store: Store, registry: PeerLookup): Promise<TeammateStatus[]> {
  const destinations = await store.destinations.list();
  const lastBackups = await lastSuccessfulBackupByPeer(store);
  return Promise.all(
    destinations.map(async (destination) => ({
      label: destination.label,
      peerId: destination.peerId,
      keyPinned: destination.publicKey !== null,
      ...(await reachabilityOf(registry, destination)),
      lastBackupAt: lastBackups.get(destination.peerId),
    })),
  );
}

async function reachabilityOf(registry: PeerLookup, destination: Destination): Promise<Pick<TeammateStatus, 'reachability' | 'reachabilityDetail'>> {
  try {
    const record = await registry.lookup(destination.peerId);
    return { reachability: 'online', reachabilityDetail: `announced until ${formatTime(record.expiresAt)}` };
  } catch (err) {
    if (codeOf(err) === 'peer-not-registered') return { reachability: 'offline', reachabilityDetail: undefined };
    return { reachability: 'unknown', reachabilityDetail: (err as Error).message };
  }
}

async function lastSuccessfulBackupByPeer(store: Store): Promise<Map<string, number>> {
  const rows = await store.db.all<{ destination: string; ended_at: number }>(
    `SELECT plans.destination AS destination, MAX(runs.ended_at) AS ended_at
       FROM runs JOIN plans ON plans.id = runs.plan_id
      WHERE runs.status = 'succeeded' AND plans.destination IS NOT NULL
      GROUP BY plans.destination`,
  );
  return new Map(rows.map((row) => [row.destination, row.ended_at]));
}
