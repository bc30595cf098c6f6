/** The registry's store in one SQLite file, through the project's single sqlite3 module. */
import { Database } from '../../core/store/database';
import { migrateSqliteRegistry } from './migrations';
import { newPeerWindowUpsert } from './new-peer-window-sql';
import type { NewPeerWindow, PeerEntry, RegistryStore } from './registry-store';

interface PeerRow {
  peer_id: string;
  payload: Buffer;
  signature: Buffer;
  observed_host: string | null;
  observed_port: number | null;
  announced_at: number;
  last_seen: number;
  expires_at: number;
}

export class SqliteRegistryStore implements RegistryStore {
  private constructor(private readonly db: Database) {}

  static async open(file: string): Promise<SqliteRegistryStore> {
    const db = await Database.open(file, {
      ifDamaged: 'move it aside and start the registry again (or give --db a new file): receivers announce themselves again within a minute',
    });
    try {
      await migrateSqliteRegistry(db);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    return new SqliteRegistryStore(db);
  }

  async saveIfNewer(entry: PeerEntry): Promise<boolean> {
    // One statement, so two announcements racing cannot both win.
    const { changes } = await this.db.run(
      `INSERT INTO peers (peer_id, payload, signature, observed_host, observed_port, announced_at, last_seen, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (peer_id) DO UPDATE SET
         payload = excluded.payload, signature = excluded.signature,
         observed_host = excluded.observed_host, observed_port = excluded.observed_port,
         announced_at = excluded.announced_at, last_seen = excluded.last_seen, expires_at = excluded.expires_at
       WHERE excluded.announced_at > peers.announced_at`,
      [
        entry.peerId,
        entry.payload,
        entry.signature,
        entry.observed?.host ?? null,
        entry.observed?.port ?? null,
        entry.announcedAt,
        entry.lastSeen,
        entry.expiresAt,
      ],
    );
    return changes === 1;
  }

  async has(peerId: string): Promise<boolean> {
    return (await this.db.get('SELECT 1 FROM peers WHERE peer_id = ?', [peerId])) !== undefined;
  }

  async count(): Promise<number> {
    return (await this.db.get<{ rows: number }>('SELECT count(*) AS rows FROM peers'))!.rows;
  }

  async find(peerId: string, now: number): Promise<PeerEntry | undefined> {
    const row = await this.db.get<PeerRow>('SELECT * FROM peers WHERE peer_id = ? AND expires_at > ?', [peerId, now]);
    return row && toEntry(row);
  }

  async countNewPeer(now: number, windowMs: number): Promise<NewPeerWindow> {
    const row = await this.db.get<{ started_at: number; admitted: number }>(newPeerWindowUpsert('sqlite'), [now, windowMs]);
    return { startedAt: row!.started_at, admitted: row!.admitted };
  }

  async deleteExpiredBefore(time: number): Promise<number> {
    return (await this.db.run('DELETE FROM peers WHERE expires_at < ?', [time])).changes;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function toEntry(row: PeerRow): PeerEntry {
  return {
    peerId: row.peer_id,
    payload: row.payload,
    signature: row.signature,
    ...(row.observed_host !== null && row.observed_port !== null && { observed: { host: row.observed_host, port: row.observed_port } }),
    announcedAt: row.announced_at,
    lastSeen: row.last_seen,
    expiresAt: row.expires_at,
  };
}
