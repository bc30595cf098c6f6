/**
 * The registry database's schema: its own file and its own append-only list
 * of steps, separate from the originating database. Step N brings the file to
 * `PRAGMA user_version = N`. `application_id` marks the file as a registry
 * database, so pointing --db at some other SQLite file fails instead of
 * mixing tables into it.
 */
import { UserError } from '../../core/errors';
import type { Database } from '../../core/store/database';

/** "PBRG" in ASCII. */
export const registryApplicationId = 0x50425247;

const steps: string[] = [
  // 1: one row per peer; expired rows linger a while to catch replays (see server).
  `
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
  // 2: protocol version 2 serves each announcement byte for byte as the peer signed it, and the
  // address it came from apart, unsigned. Rows of step 1 hold addresses the registry filled in and
  // no signature, so they cannot be served and are dropped; receivers announce again within
  // checkAfter, and a version-1 announcement replayed now is refused for its version anyway.
  `
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
];

export async function migrateRegistry(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const { application_id: applicationId } = (await tx.get<{ application_id: number }>('PRAGMA application_id'))!;
    const { user_version: current } = (await tx.get<{ user_version: number }>('PRAGMA user_version'))!;
    const { tables } = (await tx.get<{ tables: number }>('SELECT count(*) AS tables FROM sqlite_master'))!;
    const fresh = applicationId === 0 && current === 0 && tables === 0;
    if (!fresh && applicationId !== registryApplicationId) {
      throw new UserError(`${db.file} is not a Peer Backup registry database: give --db a new file name, or the registry's own file.`);
    }
    if (current > steps.length) {
      throw new UserError(
        `${db.file} was written by a newer Peer Backup registry (schema ${current}, this one knows ${steps.length}): update Peer Backup.`,
      );
    }
    if (fresh) await tx.exec(`PRAGMA application_id = ${registryApplicationId}`);
    for (let version = current + 1; version <= steps.length; version++) {
      await tx.exec(steps[version - 1]);
      await tx.exec(`PRAGMA user_version = ${version}`);
    }
  });
}
