/**
 * The only module that imports `sqlite3` (unmaintained upstream): swapping the
 * driver later means rewriting this file alone.
 *
 * node-sqlite3 runs statements from concurrent async callers interleaved on
 * one connection, so a transaction could swallow another caller's statements.
 * Every statement therefore passes through one queue, and a transaction holds
 * the queue from BEGIN IMMEDIATE to COMMIT.
 */
import { Mutex } from 'async-mutex';
import sqlite3 from 'sqlite3';
import { UserError } from '../errors';

export type SqlValue = string | number | bigint | Buffer | null;
export type SqlParams = SqlValue[] | Record<string, SqlValue>;

export interface RunResult {
  changes: number;
  lastId: number;
}

/** What a transaction body may call: the same statements, without re-queueing. */
export interface Queries {
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

export interface OpenOptions {
  /** What a person should do when the file is damaged; said after naming the file. */
  ifDamaged?: string;
}

/** The originating database's case: the backups themselves are safe with the teammate. */
const recoverHome = 'keep the file (it may be recoverable), start a new home (the CLI\'s --home DIR), and restore your files from your teammate';

export class Database implements Queries {
  private readonly queue = new Mutex();

  private constructor(
    private readonly db: sqlite3.Database,
    readonly file: string,
    private readonly ifDamaged: string,
  ) {}

  /**
   * Opens (or creates) the database and applies the pragmas every connection
   * needs. A file that is not SQLite, or is damaged, is reported whenever it
   * shows (here or at any later statement), and left untouched.
   */
  static async open(file: string, { ifDamaged = recoverHome }: OpenOptions = {}): Promise<Database> {
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(file, (err) => (err ? reject(describeOpenError(file, err, ifDamaged)) : resolve(db)));
    });
    const database = new Database(raw, file, ifDamaged);
    try {
      await database.direct.exec('PRAGMA busy_timeout = 5000');
      // The first read of the header is where a non-SQLite file shows itself.
      await database.direct.get('PRAGMA schema_version');
      await switchToWal(database.direct);
      await database.direct.exec('PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;');
    } catch (err) {
      await database.close().catch(() => undefined);
      throw describeOpenError(file, err as Error, ifDamaged);
    }
    return database;
  }

  run(sql: string, params: SqlParams = []): Promise<RunResult> {
    return this.enqueue(() => this.direct.run(sql, params));
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return this.enqueue(() => this.direct.get<T>(sql, params));
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.enqueue(() => this.direct.all<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.enqueue(() => this.direct.exec(sql));
  }

  /**
   * Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back if it throws.
   * IMMEDIATE takes the write lock up front, so two processes sharing the file
   * wait on busy_timeout instead of failing half-way with SQLITE_BUSY.
   */
  transaction<T>(body: (tx: Queries) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await this.direct.exec('BEGIN IMMEDIATE');
      try {
        const result = await body(this.direct);
        await this.direct.exec('COMMIT');
        return result;
      } catch (err) {
        await this.direct.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.enqueue(() => new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve()))));
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.runExclusive(task);
  }

  /** Statements straight on the connection; only the queue and transactions use it. */
  private readonly direct: Queries = {
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        const describe = (err: Error) => this.describe(err);
        this.db.run(sql, params, function (err) {
          if (err) reject(describe(err));
          else resolve({ changes: this.changes, lastId: this.lastID });
        });
      }),
    get: <T>(sql: string, params: SqlParams = []) =>
      new Promise<T | undefined>((resolve, reject) => {
        this.db.get(sql, params, (err, row) => (err ? reject(this.describe(err)) : resolve(row as T | undefined)));
      }),
    all: <T>(sql: string, params: SqlParams = []) =>
      new Promise<T[]>((resolve, reject) => {
        this.db.all(sql, params, (err, rows) => (err ? reject(this.describe(err)) : resolve(rows as T[])));
      }),
    exec: (sql) =>
      new Promise<void>((resolve, reject) => {
        this.db.exec(sql, (err) => (err ? reject(this.describe(err)) : resolve()));
      }),
  };

  /** A damaged file can show at any statement, not only when it is opened. */
  private describe(err: Error): Error {
    return describeDamage(this.file, err, this.ifDamaged);
  }
}

/**
 * Switching a new file to WAL needs an exclusive lock, and SQLite answers
 * SQLITE_BUSY at once, without waiting out the busy timeout, while another
 * connection (a second editor window opening the same new file) holds a
 * shared one: try again for up to 5 s. On a file already in WAL it is a no-op.
 */
async function switchToWal(queries: Queries): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await queries.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt === 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** True when `err` is SQLite refusing a row that breaks a UNIQUE constraint. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && /SQLITE_CONSTRAINT: UNIQUE/.test(err.message);
}

function describeOpenError(file: string, err: Error, ifDamaged: string): Error {
  if ((err as { code?: string }).code === 'SQLITE_CANTOPEN') {
    return new UserError(`Cannot open the database ${file}: check that its folder exists and is writable.`, { cause: err });
  }
  return describeDamage(file, err, ifDamaged);
}

/** SQLite's word for a file whose header (NOTADB) or pages (CORRUPT) are not what it wrote. */
function describeDamage(file: string, err: Error, ifDamaged: string): Error {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    const what = code === 'SQLITE_NOTADB' ? 'is not an SQLite database, or is damaged' : 'is damaged (SQLite finds it malformed)';
    return new UserError(`The database ${file} ${what}: ${ifDamaged}.`, { code: 'damaged', cause: err });
  }
  return err;
}
