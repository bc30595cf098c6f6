/** The receiving side's per-sender ceiling on committed snapshots (beside the byte quota on the allow list); none by default. */
import type { Database } from './database';

export class SenderSnapshotLimitStore {
  constructor(private readonly db: Database) {}

  /** Sets the ceiling of an allowed sender; null lifts it. False when the peer is not allowed. */
  async set(peerId: string, maxSnapshots: number | null): Promise<boolean> {
    const { changes } = await this.db.run('UPDATE allowed_senders SET max_snapshots = ? WHERE peer_id = ?', [maxSnapshots, peerId]);
    return changes > 0;
  }

  async get(peerId: string): Promise<number | undefined> {
    return (await this.db.get<{ max_snapshots: number | null }>('SELECT max_snapshots FROM allowed_senders WHERE peer_id = ?', [peerId]))?.max_snapshots ?? undefined;
  }
}
