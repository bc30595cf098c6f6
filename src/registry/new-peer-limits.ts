/**
 * Bounds on new peer IDs, which anyone can make by the million: at most so
 * many new IDs a minute from all addresses together, and at most so many rows
 * in the table. A peer the table already holds is never refused here, so a
 * flood of new IDs cannot push out the peers that were there first.
 *
 * The minute's count is kept in the store, so registries sharing a database
 * share one budget. The table's size is checked by each registry on its own:
 * with N registries admitting at once it may exceed the bound by N - 1 rows.
 */
import { Mutex } from 'async-mutex';
import { HttpError } from '../http-server';
import type { RegistryStore } from './store/registry-store';

export interface NewPeerLimits {
  /** New peer IDs a minute, from all addresses together; 0 turns the limit off. */
  maxNewPeersPerMinute: number;
  /** Rows the table may hold, expired ones kept against replays included. */
  maxPeers: number;
}

/** How long a new peer refused for a full table is told to wait. */
const fullRetryAfterSeconds = 60;

const budgetWindowMs = 60_000;

/**
 * Returns a gate around storing an announcement: `save` runs at once for a
 * peer the table holds, and for a new one only when the table has room
 * (after purging entries expired before `purgeBefore()`) and the minute's
 * budget allows; otherwise the gate refuses with 503 and Retry-After.
 */
export function newPeerGate(
  store: RegistryStore,
  limits: NewPeerLimits,
  purgeBefore: () => number,
  now: () => number,
): (peerId: string, save: () => Promise<boolean>) => Promise<boolean> {
  // One new peer at a time: two admitted at once could both take the last row.
  const admitting = new Mutex();

  const ensureRoom = async () => {
    if ((await store.count()) < limits.maxPeers) return;
    await store.deleteExpiredBefore(purgeBefore());
    if ((await store.count()) < limits.maxPeers) return;
    throw new HttpError(
      503,
      'registry-full',
      `this registry holds as many peers as it may (${limits.maxPeers}): retry in ${fullRetryAfterSeconds} s, or ask its operator to raise --max-peers`,
      { 'retry-after': String(fullRetryAfterSeconds) },
    );
  };

  const takeFromBudget = async () => {
    if (limits.maxNewPeersPerMinute === 0) return;
    const time = now();
    const window = await store.countNewPeer(time, budgetWindowMs);
    if (window.admitted <= limits.maxNewPeersPerMinute) return;
    const seconds = Math.max(1, Math.ceil((window.startedAt + budgetWindowMs - time) / 1000));
    throw new HttpError(
      503,
      'too-many-new-peers',
      `too many new peers are announcing to this registry (at most ${limits.maxNewPeersPerMinute} a minute): retry in ${seconds} s`,
      { 'retry-after': String(seconds) },
    );
  };

  return async (peerId, save) => {
    if (await store.has(peerId)) return save();
    return admitting.runExclusive(async () => {
      if (!(await store.has(peerId))) {
        await ensureRoom();
        await takeFromBudget();
      }
      return save();
    });
  };
}
