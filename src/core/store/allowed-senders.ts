/** The receiving side's allow list: which peers may store here, and how much each may use. */
import type { Database } from './database';

export interface AllowedSender {
  peerId: string;
  label: string | null;
  quotaBytes: number;
  createdAt: number;
}

interface AllowedSenderRow {
  peer_id: string;
  label: string | null;
  quota_bytes: number;
  created_at: number;
}

export class AllowedSenderStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Allows `peerId` (canonical), or changes its quota and label if already allowed. */
  async allow(peerId: string, quotaBytes: number, label: string | null): Promise<AllowedSender> {
    await this.db.run(
      `INSERT INTO allowed_senders (peer_id, label, quota_bytes, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (peer_id) DO UPDATE SET quota_bytes = excluded.quota_bytes, label = coalesce(excluded.label, label)`,
      [peerId, label, quotaBytes, this.now()],
    );
    return (await this.find(peerId))!;
  }

  /** True if the peer was allowed. Snapshots it stored stay on disk. */
  async deny(peerId: string): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM allowed_senders WHERE peer_id = ?', [peerId]);
    return changes > 0;
  }

  async find(peerId: string): Promise<AllowedSender | undefined> {
    const row = await this.db.get<AllowedSenderRow>('SELECT * FROM allowed_senders WHERE peer_id = ?', [peerId]);
    return row && toAllowedSender(row);
  }

  async list(): Promise<AllowedSender[]> {
    return (await this.db.all<AllowedSenderRow>('SELECT * FROM allowed_senders ORDER BY coalesce(label, peer_id)')).map(toAllowedSender);
  }
}

function toAllowedSender(row: AllowedSenderRow): AllowedSender {
  return { peerId: row.peer_id, label: row.label, quotaBytes: row.quota_bytes, createdAt: row.created_at };
}
