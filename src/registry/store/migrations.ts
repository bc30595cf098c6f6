/**
 * The registry database's schema: one append-only list of steps, each
 * written for both back ends, separate from the originating database.
 *
 * SQLite: step N brings the file to `PRAGMA user_version = N`, and
 * `application_id` marks the file as a registry database, so pointing --db
 * at some other SQLite file fails instead of mixing tables into it.
 * PostgreSQL: the table `registry_schema` holds the version; instances that
 * start together take turns under an advisory lock.
 */
import { UserError } from '../../core/errors';
import type { Database } from '../../core/store/database';

/** "PBRG" in ASCII. */
export const registryApplicationId = 0x50425247;

interface Step {
  sqlite: string;
  postgres: string;
}

const steps: Step[] = [
  // 1: one row per peer; expired rows linger a while to catch replays (see server).
  {
    sqlite: `
    CREATE TABLE peers (
      peer_id       TEXT    PRIMARY KEY,
      public_key    BLOB    NOT NULL,
      addresses     TEXT    NOT NULL,   -- JSON array of { host, port }
      announced_at  INTEGER NOT NULL,   -- signed announcement time, ms
      last_seen     INTEGER NOT NULL,   -- when the registry received it, ms
      expires_at    INTEGER NOT NULL
    );
    CREATE INDEX peers_by_expiry ON peers (expires_at);
    `,
    // No PostgreSQL registry ran version 1: step 2 makes the table.
    postgres: '',
  },
  // 2: protocol version 2 serves each announcement byte for byte as the peer signed it, and the
  // address it came from apart, unsigned. Rows of step 1 hold addresses the registry filled in and
  // no signature, so they cannot be served and are dropped; receivers announce again within
  // checkAfter, and a version-1 announcement replayed now is refused for its version anyway.
  {
    sqlite: `
    DROP TABLE peers;
    CREATE TABLE peers (
      peer_id        TEXT    PRIMARY KEY,
      payload        BLOB    NOT NULL,   -- the signed payload bytes, exactly as announced
      signature      BLOB    NOT NULL,   -- Ed25519 signature of payload
      observed_host  TEXT,               -- the unsigned hint: where the announcement came from,
      observed_port  INTEGER,            --   NULL when the peer signed that host itself
      announced_at   INTEGER NOT NULL,   -- signed announcement time, ms
      last_seen      INTEGER NOT NULL,   -- when the registry received it, ms
      expires_at     INTEGER NOT NULL
    );
    CREATE INDEX peers_by_expiry ON peers (expires_at);
    `,
    postgres: `
    CREATE TABLE peers (
      peer_id        TEXT    PRIMARY KEY,
      payload        BYTEA   NOT NULL,
      signature      BYTEA   NOT NULL,
      observed_host  TEXT,
      observed_port  INTEGER,
      announced_at   BIGINT  NOT NULL,
      last_seen      BIGINT  NOT NULL,
      expires_at     BIGINT  NOT NULL
    );
    CREATE INDEX peers_by_expiry ON peers (expires_at);
    `,
  },
  // 3: the new-peer budget is counted in the database, so registries sharing one count together.
  // One row: when the current minute's window started, and how many new peers it admitted.
  {
    sqlite: `
    CREATE TABLE new_peer_window (
      id          INTEGER PRIMARY KEY CHECK (id = 1),
      started_at  INTEGER NOT NULL,   -- ms
      admitted    INTEGER NOT NULL
    );
    `,
    postgres: `
    CREATE TABLE new_peer_window (
      id          INTEGER PRIMARY KEY CHECK (id = 1),
      started_at  BIGINT  NOT NULL,
      admitted    INTEGER NOT NULL
    );
    `,
  },
];

export const registrySchemaVersion = steps.length;

export async function migrateSqliteRegistry(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const { application_id: applicationId } = (await tx.get<{ application_id: number }>('PRAGMA application_id'))!;
    const { user_version: current } = (await tx.get<{ user_version: number }>('PRAGMA user_version'))!;
    const { tables } = (await tx.get<{ tables: number }>('SELECT count(*) AS tables FROM sqlite_master'))!;
    const fresh = applicationId === 0 && current === 0 && tables === 0;
    if (!fresh && applicationId !== registryApplicationId) {
      throw new UserError(`${db.file} is not a Peer Backup registry database: give --db a new file name, or the registry's own file.`);
    }
    checkNotNewer(db.file, current);
    if (fresh) await tx.exec(`PRAGMA application_id = ${registryApplicationId}`);
    for (let version = current + 1; version <= steps.length; version++) {
      await tx.exec(steps[version - 1].sqlite);
      await tx.exec(`PRAGMA user_version = ${version}`);
    }
  });
}

/** What the PostgreSQL migration needs: statements inside one transaction the caller holds. */
export interface PostgresSession {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** Any number fits, as long as it is the same for every registry: it serializes their migrations. */
const migrationLockKey = registryApplicationId;

/** Brings the database `name` to the current schema; run inside a transaction. */
export async function migratePostgresRegistry(session: PostgresSession, name: string): Promise<void> {
  await session.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
  const [{ marked, peers }] = await session.query<{ marked: boolean; peers: boolean }>(
    "SELECT to_regclass('registry_schema') IS NOT NULL AS marked, to_regclass('peers') IS NOT NULL AS peers",
  );
  if (!marked && peers) {
    throw new UserError(`${name} already has a "peers" table that is not a Peer Backup registry's: give --db another database, or the registry's own.`);
  }
  if (!marked) await session.query('CREATE TABLE registry_schema (version INTEGER NOT NULL); INSERT INTO registry_schema VALUES (0)');
  const [{ version: current }] = await session.query<{ version: number }>('SELECT version FROM registry_schema');
  checkNotNewer(name, current);
  for (let version = current + 1; version <= steps.length; version++) {
    if (steps[version - 1].postgres) await session.query(steps[version - 1].postgres);
    await session.query('UPDATE registry_schema SET version = $1', [version]);
  }
}

function checkNotNewer(name: string, current: number): void {
  if (current > steps.length) {
    throw new UserError(`${name} was written by a newer Peer Backup registry (schema ${current}, this one knows ${steps.length}): update Peer Backup.`);
  }
}
