/**
 * Named leases: a row that one holder owns until it expires. Processes that
 * share the database (several editor windows, a CLI daemon) use them to agree
 * on who does a job, such as scheduling (docs/SCHEDULING.md). A holder keeps
 * its lease by renewing it; one that stops renewing loses it to the next
 * taker once it has expired, or at once when its process is gone.
 */
import { randomUUID } from 'node:crypto';
import { processIsAlive } from '../util/process-alive';
import type { Database } from './database';

export interface Lease {
  name: string;
  holder: string;
  expiresAt: number;
}

/**
 * A holder name for this process: its pid, then a random part so that two
 * holders in one process (two schedulers, two runs) still differ. The pid
 * lets a killed holder's lease be taken over without waiting for it to expire.
 */
export function newLeaseHolder(): string {
  return `${process.pid}:${randomUUID()}`;
}

/** False only when the holder names a pid and that process is gone; other holders count as alive until their lease expires. */
function holderIsAlive(holder: string): boolean {
  const pid = /^(\d+):/.exec(holder);
  return pid === null || processIsAlive(Number(pid[1]));
}

export class LeaseStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes, renews or takes over `name` for `holder` until `ttlMs` from now,
   * and says whether `holder` has it. A lease whose holder's process is
   * gone is free. Read and write share one BEGIN IMMEDIATE transaction, so
   * of two processes asking at once only one wins.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const at = this.now();
      const current = await tx.get<{ holder: string; expires_at: number }>('SELECT holder, expires_at FROM leases WHERE name = ?', [name]);
      if (current && current.holder !== holder && current.expires_at > at && holderIsAlive(current.holder)) return false;
      await tx.run(
        'INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at',
        [name, holder, at + ttlMs],
      );
      return true;
    });
  }

  /** Gives the lease up at once, so the next taker need not wait for it to expire; a no-op if `holder` lost it already. */
  async release(name: string, holder: string): Promise<void> {
    await this.db.transaction((tx) => tx.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]));
  }

  /** The lease as it stands, if a live holder has it and it has not expired. */
  async current(name: string): Promise<Lease | undefined> {
    const row = await this.db.get<{ name: string; holder: string; expires_at: number }>(
      'SELECT name, holder, expires_at FROM leases WHERE name = ? AND expires_at > ?',
      [name, this.now()],
    );
    return row && holderIsAlive(row.holder) ? { name: row.name, holder: row.holder, expiresAt: row.expires_at } : undefined;
  }
}
