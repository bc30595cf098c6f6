/**
 * The registry's store in PostgreSQL, for several registry instances that
 * share one database: every write is one atomic statement, so instances
 * racing each other behave as one registry would.
 */
import pg from 'pg';
import { UserError } from '../../core/errors';
import { migratePostgresRegistry } from './migrations';
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

/** Times are milliseconds in BIGINT columns, well within a double's exact range. */
const int8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === int8 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The URL without its password, for messages and logs. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return 'the PostgreSQL URL given';
  }
}

export class PostgresRegistryStore implements RegistryStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string, { maxConnections = 10 } = {}): Promise<PostgresRegistryStore> {
    const name = describePostgresUrl(url);
    const pool = new pg.Pool({ connectionString: url, max: maxConnections, connectionTimeoutMillis: 5_000, types });
    // A connection that breaks while idle is replaced at its next use; without a listener it would end the process.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect().catch((err: Error) => {
        throw new UserError(`Cannot connect to the PostgreSQL database ${name} (${err.message}): check that it is running and that --db names it, its user and password.`, { cause: err });
      });
      try {
        await client.query('BEGIN');
        await migratePostgresRegistry({ query: async (sql, params) => (await client.query(sql, params)).rows }, name);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresRegistryStore(pool);
  }

  async saveIfNewer(entry: PeerEntry): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO peers (peer_id, payload, signature, observed_host, observed_port, announced_at, last_seen, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
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
    return rowCount === 1;
  }

  async has(peerId: string): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM peers WHERE peer_id = $1', [peerId])).rowCount === 1;
  }

  async count(): Promise<number> {
    return (await this.pool.query<{ rows: number }>('SELECT count(*) AS rows FROM peers')).rows[0].rows;
  }

  async find(peerId: string, now: number): Promise<PeerEntry | undefined> {
    const { rows } = await this.pool.query<PeerRow>('SELECT * FROM peers WHERE peer_id = $1 AND expires_at > $2', [peerId, now]);
    return rows[0] && toEntry(rows[0]);
  }

  async countNewPeer(now: number, windowMs: number): Promise<NewPeerWindow> {
    const { rows } = await this.pool.query<{ started_at: number; admitted: number }>(newPeerWindowUpsert('postgres'), [now, windowMs]);
    return { startedAt: rows[0].started_at, admitted: rows[0].admitted };
  }

  async deleteExpiredBefore(time: number): Promise<number> {
    return (await this.pool.query('DELETE FROM peers WHERE expires_at < $1', [time])).rowCount ?? 0;
  }

  close(): Promise<void> {
    return this.pool.end();
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
