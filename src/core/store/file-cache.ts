/**
 * What a plan's last committed snapshot learnt about each file: its size,
 * times and inode then, and the IDs of the chunks that held its content. A
 * run that finds a file with the same size, modification time, change time
 * and inode reuses those IDs without opening it.
 *
 * Rows are keyed by the destination as well as the plan: the IDs say what
 * that teammate holds, so a plan moved to another teammate finds no rows
 * there and reads every file, with no hook on plan edits needed to keep it
 * right. Saving a run's files drops the rows of any other destination, so
 * only one teammate's rows are kept per plan.
 */
import type { Database, SqlValue } from './database';

const idBytes = 32;
/**
 * Rows read per query when loading. The driver holds a query's whole answer
 * in native memory before handing it over, so a plan of 100,000 files read in
 * one query would briefly cost several times what its map does.
 */
const rowsPerLoad = 5_000;
/** Rows written per statement when saving: one statement per file would cost a round trip through the driver each. */
const rowsPerWrite = 500;

/** A file's identity on disk: if any of it differs, the content may too. */
export interface FileStamp {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  inode: bigint;
}

export interface CachedFile extends FileStamp {
  /** The chunk IDs of its content, in order (none for an empty file). */
  chunks: string[];
  /** For a file stored as a slice of a shared chunk (its only chunk): where in it the file starts. */
  offset?: number;
}

/** A plan's cached files, keyed by the source path's bytes as a latin1 string (one character per byte). */
export type FileCacheMap = Map<string, CachedFile>;

interface FileCacheRow {
  path: Buffer;
  size: number;
  mtime_ns: string;
  ctime_ns: string;
  inode: string;
  chunks: Buffer;
  chunk_offset: number | null;
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.inode === b.inode;
}

export function cacheKey(sourcePath: Buffer): string {
  return sourcePath.toString('latin1');
}

export class FileCacheStore {
  constructor(private readonly db: Database) {}

  /** Every cached file of the plan at this destination, read in pages of rowsPerLoad in path order. */
  async load(planId: number, destination: string): Promise<FileCacheMap> {
    const files: FileCacheMap = new Map();
    let after: Buffer | undefined;
    for (;;) {
      const rows = await this.db.all<FileCacheRow>(
        `SELECT path, size, mtime_ns, ctime_ns, inode, chunks, chunk_offset FROM file_cache WHERE plan_id = ? AND destination = ?${after ? ' AND path > ?' : ''} ORDER BY path LIMIT ${rowsPerLoad}`,
        after ? [planId, destination, after] : [planId, destination],
      );
      for (const row of rows) {
        const file: CachedFile = { size: row.size, mtimeNs: BigInt(row.mtime_ns), ctimeNs: BigInt(row.ctime_ns), inode: BigInt(row.inode), chunks: idsOf(row.chunks) };
        if (row.chunk_offset !== null) file.offset = row.chunk_offset;
        files.set(row.path.toString('latin1'), file);
      }
      if (rows.length < rowsPerLoad) return files;
      after = rows.at(-1)!.path;
    }
  }

  /**
   * Makes the plan's cache at `destination` what `current` says, in one
   * transaction: rows that changed since `previous` (what load returned) are
   * written, files no longer there deleted, other destinations' rows dropped.
   */
  async save(planId: number, destination: string, previous: FileCacheMap, current: FileCacheMap): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM file_cache WHERE plan_id = ? AND destination <> ?', [planId, destination]);
      const gone = [...previous.keys()].filter((key) => !current.has(key));
      for (let start = 0; start < gone.length; start += rowsPerWrite) {
        const paths = gone.slice(start, start + rowsPerWrite).map((key) => Buffer.from(key, 'latin1'));
        await tx.run(`DELETE FROM file_cache WHERE plan_id = ? AND destination = ? AND path IN (${paths.map(() => '?').join(', ')})`, [planId, destination, ...paths]);
      }
      let rows: SqlValue[][] = [];
      const writeRows = async () => {
        if (rows.length === 0) return;
        await tx.run(
          `INSERT INTO file_cache (plan_id, destination, path, size, mtime_ns, ctime_ns, inode, chunks, chunk_offset) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (plan_id, destination, path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
             inode = excluded.inode, chunks = excluded.chunks, chunk_offset = excluded.chunk_offset`,
          rows.flat(),
        );
        rows = [];
      };
      for (const [key, file] of current) {
        const before = previous.get(key);
        if (before && sameStamp(before, file) && sameIds(before.chunks, file.chunks) && before.offset === file.offset) continue;
        rows.push([
          planId,
          destination,
          Buffer.from(key, 'latin1'),
          file.size,
          file.mtimeNs.toString(),
          file.ctimeNs.toString(),
          file.inode.toString(),
          bytesOf(file.chunks),
          file.offset ?? null,
        ]);
        if (rows.length === rowsPerWrite) await writeRows();
      }
      await writeRows();
    });
  }

  /** Forgets the plan's cached files everywhere, so its next run reads every file. */
  async clear(planId: number): Promise<void> {
    await this.db.run('DELETE FROM file_cache WHERE plan_id = ?', [planId]);
  }
}

/** Made at its exact length: an array grown by push keeps room for 16 more, which across 100,000 one-chunk files costs tens of MB. */
function idsOf(bytes: Buffer): string[] {
  return Array.from({ length: Math.floor(bytes.length / idBytes) }, (_, index) => bytes.toString('hex', index * idBytes, (index + 1) * idBytes));
}

function bytesOf(ids: readonly string[]): Buffer {
  return Buffer.concat(ids.map((id) => Buffer.from(id, 'hex')));
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}
