/** Which recovery kit (by lookup ID) each teammate holds, as far as this machine knows: a backup leaves the current kit with its receiver once. */
import type { Database } from './database';

export class RecoveryKitCopyStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async holds(peerId: string, lookupId: string): Promise<boolean> {
    return (await this.db.get<{ lookup_id: string }>('SELECT lookup_id FROM recovery_kit_copies WHERE peer_id = ?', [peerId]))?.lookup_id === lookupId;
  }

  async record(peerId: string, lookupId: string): Promise<void> {
    await this.db.run(
      'INSERT INTO recovery_kit_copies (peer_id, lookup_id, stored_at) VALUES (?, ?, ?) ON CONFLICT (peer_id) DO UPDATE SET lookup_id = excluded.lookup_id, stored_at = excluded.stored_at',
      [peerId, lookupId, this.now()],
    );
  }
}
