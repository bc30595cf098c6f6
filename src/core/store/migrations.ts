/**
 * The originating database's schema, as an append-only list of steps. Step N
 * brings the database to `PRAGMA user_version = N`; released steps are never
 * edited, only followed by new ones.
 */
import { UserError } from '../errors';
import type { Database } from './database';

const steps: string[] = [
  // 1: plans, their designated paths, destinations and run history.
  `
  CREATE TABLE destinations (
    id          INTEGER PRIMARY KEY,
    label       TEXT    NOT NULL UNIQUE,
    peer_id     TEXT    NOT NULL UNIQUE,
    public_key  TEXT,               -- pinned on the first verified handshake
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE plans (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE,
    destination        TEXT,          -- a peer ID; NULL until the user picks one
    schedule           TEXT    NOT NULL,
    enabled            INTEGER NOT NULL DEFAULT 1,
    excludes           TEXT    NOT NULL DEFAULT '[]',   -- JSON array of gitignore-style patterns
    respect_gitignore  INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
  );
  CREATE TABLE plan_items (
    plan_id       INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    source_path   TEXT    NOT NULL,   -- absolute path on this machine
    archive_path  TEXT    NOT NULL,   -- where it sits inside the archive, '/'-separated
    PRIMARY KEY (plan_id, source_path),
    UNIQUE (plan_id, archive_path)
  );
  CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    owner_pid    INTEGER NOT NULL,  -- the process doing the run, to tell orphans from live runs
    status       TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    files        INTEGER NOT NULL DEFAULT 0,
    bytes        INTEGER NOT NULL DEFAULT 0,
    skipped      TEXT    NOT NULL DEFAULT '[]',   -- JSON array of { path, reason }
    snapshot_id  TEXT,
    error        TEXT
  );
  CREATE INDEX runs_by_plan ON runs (plan_id, started_at);
  `,
  // 2: receiving: who may store here and within what quota, request nonces
  // already seen (replay defence), and each run's signed receipt.
  `
  CREATE TABLE allowed_senders (
    peer_id      TEXT    PRIMARY KEY,
    label        TEXT,
    quota_bytes  INTEGER NOT NULL CHECK (quota_bytes > 0),
    created_at   INTEGER NOT NULL
  );
  CREATE TABLE seen_nonces (
    nonce       TEXT    PRIMARY KEY,
    expires_at  INTEGER NOT NULL
  );
  ALTER TABLE runs ADD COLUMN receipt TEXT;   -- JSON of the receiver's signed receipt
  `,
  // 3: leases shared by the processes on this database: who schedules, and
  // which plan is being run (docs/SCHEDULING.md).
  `
  CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,   -- a random id per holder (scheduler instance or run)
    expires_at  INTEGER NOT NULL    -- epoch ms; after it, anyone may take the lease over
  );
  `,
  // 4: the step a failed run failed at (peer-offline, not-allowed, ...), so
  // the scheduler knows whether waiting can help and the UI can say why.
  `
  ALTER TABLE runs ADD COLUMN failure_step TEXT;
  `,
  // 5: expired nonces are purged a bounded batch at a time, found by expiry.
  `
  CREATE INDEX seen_nonces_by_expiry ON seen_nonces (expires_at);
  `,
  // 6: the content bytes (before compression) a run packed, so restoring its
  // snapshot can refuse an archive that unpacks to more.
  `
  ALTER TABLE runs ADD COLUMN content_bytes INTEGER;
  `,
  // 7: the chunked store. The storage secret's fingerprint, recorded at first
  // use so a lost or replaced secret is refused instead of silently starting
  // over; and each plan's file cache, which lets a run reuse the chunk IDs of
  // files unchanged since the last committed snapshot at that destination.
  // Timestamps and inodes are decimal text: nanoseconds pass 2^53.
  `
  CREATE TABLE storage_secret (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint  TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL
  );
  CREATE TABLE file_cache (
    plan_id      INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    destination  TEXT    NOT NULL,   -- the peer ID the chunks were committed to
    path         BLOB    NOT NULL,   -- the source path's bytes
    size         INTEGER NOT NULL,
    mtime_ns     TEXT    NOT NULL,
    ctime_ns     TEXT    NOT NULL,
    inode        TEXT    NOT NULL,
    chunks       BLOB    NOT NULL,   -- raw 32-byte chunk IDs back to back
    PRIMARY KEY (plan_id, destination, path)
  ) WITHOUT ROWID;
  `,
  // 8: which teammate holds which recovery kit (by lookup ID), so a backup
  // leaves the current kit with its receiver once, not at every run.
  `
  CREATE TABLE recovery_kit_copies (
    peer_id    TEXT    PRIMARY KEY,
    lookup_id  TEXT    NOT NULL,
    stored_at  INTEGER NOT NULL
  );
  `,
  // 9: each plan's retention policy (how many snapshots to keep, by age
  // bucket); a plan without a row keeps the defaults.
  `
  CREATE TABLE retention_policies (
    plan_id       INTEGER PRIMARY KEY REFERENCES plans(id) ON DELETE CASCADE,
    keep_last     INTEGER NOT NULL CHECK (keep_last >= 0),
    keep_hourly   INTEGER NOT NULL CHECK (keep_hourly >= 0),
    keep_daily    INTEGER NOT NULL CHECK (keep_daily >= 0),
    keep_weekly   INTEGER NOT NULL CHECK (keep_weekly >= 0),
    keep_monthly  INTEGER NOT NULL CHECK (keep_monthly >= 0)
  );
  `,
  // 10: verifications of a plan's snapshots at its teammate: the receiver's
  // re-hash of its packs, and what this machine read back and opened.
  `
  CREATE TABLE verifications (
    id              INTEGER PRIMARY KEY,
    plan_id         INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    destination     TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('ok', 'damaged', 'failed')),
    snapshots       INTEGER NOT NULL,
    packs_checked   INTEGER NOT NULL,
    chunks_read     INTEGER NOT NULL,
    damaged         TEXT    NOT NULL DEFAULT '[]',   -- JSON array of { snapshotId, problem }
    error           TEXT
  );
  CREATE INDEX verifications_by_plan ON verifications (plan_id, started_at);
  `,
  // 11: receiving: a per-sender ceiling on committed snapshots, beside its quota.
  `
  ALTER TABLE allowed_senders ADD COLUMN max_snapshots INTEGER CHECK (max_snapshots > 0);
  `,
  // 12: the file cache in pages of files packed into one blob each (file-cache.ts has the layout), which load and
  // save far faster than a row per file, and which hold a small file's offset in the chunk it shares with others.
  // The rows of the old layout are dropped: each plan's next run reads its files once more.
  `
  DROP TABLE file_cache;
  CREATE TABLE file_cache_pages (
    plan_id      INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    destination  TEXT    NOT NULL,   -- the peer ID the chunks were committed to
    digest       BLOB    NOT NULL,   -- SHA-256 of entries
    entries      BLOB    NOT NULL,   -- files in walk order, packed as file-cache.ts says
    PRIMARY KEY (plan_id, destination, digest)
  );
  `,
  // 13: runs: what went wrong after a backup stood (leaving the recovery kit, applying retention), kept apart from
  // error so that a run that succeeded still reads as one.
  `
  ALTER TABLE runs ADD COLUMN warning TEXT;
  `,
  // 14: file cache pages a run writes as it goes, made the plan's cache once its snapshot is committed, so that a
  // run need not hold every file's entry until it ends.
  `
  CREATE TABLE file_cache_staged_pages (
    plan_id      INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    digest       BLOB    NOT NULL,   -- SHA-256 of entries
    entries      BLOB    NOT NULL,   -- as in file_cache_pages
    PRIMARY KEY (plan_id, digest)
  );
  `,
];

export const schemaVersion = steps.length;

export async function migrate(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await tx.get<{ user_version: number }>('PRAGMA user_version');
    const current = row?.user_version ?? 0;
    if (current > steps.length) {
      throw new UserError(
        `${db.file} was written by a newer Peer Backup (schema ${current}, this one knows ${steps.length}): update Peer Backup.`,
      );
    }
    for (let version = current + 1; version <= steps.length; version++) {
      await tx.exec(steps[version - 1]);
      await tx.exec(`PRAGMA user_version = ${version}`);
    }
  });
}
