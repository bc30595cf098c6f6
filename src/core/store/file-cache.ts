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
import type { Database } from './database';

const idBytes = 32;

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
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.inode === b.inode;
}

export function cacheKey(sourcePath: Buffer): string {
  return sourcePath.toString('latin1');
}

export class FileCacheStore {
  constructor(private readonly db: Database) {}

  /** Every cached file of the plan at this destination, in one query. */
  async load(planId: number, destination: string): Promise<FileCacheMap> {
    const rows = await this.db.all<FileCacheRow>('SELECT path, size, mtime_ns, ctime_ns, inode, chunks FROM file_cache WHERE plan_id = ? AND destination = ?', [
      planId,
      destination,
    ]);
    const files: FileCacheMap = new Map();
    for (const row of rows) {
      files.set(row.path.toString('latin1'), {
        size: row.size,
        mtimeNs: BigInt(row.mtime_ns),
        ctimeNs: BigInt(row.ctime_ns),
        inode: BigInt(row.inode),
        chunks: idsOf(row.chunks),
      });
    }
    return files;
  }

  /**
   * Makes the plan's cache at `destination` what `current` says, in one
   * transaction: rows that changed since `previous` (what load returned) are
   * written, files no longer there deleted, other destinations' rows dropped.
   */
  async save(planId: number, destination: string, previous: FileCacheMap, current: FileCacheMap): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM file_cache WHERE plan_id = ? AND destination <> ?', [planId, destination]);
      for (const key of previous.keys()) {
        if (!current.has(key)) await tx.run('DELETE FROM file_cache WHERE plan_id = ? AND destination = ? AND path = ?', [planId, destination, Buffer.from(key, 'latin1')]);
      }
      for (const [key, file] of current) {
        const before = previous.get(key);
        if (before && sameStamp(before, file) && sameIds(before.chunks, file.chunks)) continue;
        await tx.run(
          `INSERT INTO file_cache (plan_id, destination, path, size, mtime_ns, ctime_ns, inode, chunks) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (plan_id, destination, path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
             inode = excluded.inode, chunks = excluded.chunks`,
          [planId, destination, Buffer.from(key, 'latin1'), file.size, file.mtimeNs.toString(), file.ctimeNs.toString(), file.inode.toString(), bytesOf(file.chunks)],
        );
      }
    });
  }

  /** Forgets the plan's cached files everywhere, so its next run reads every file. */
  async clear(planId: number): Promise<void> {
    await this.db.run('DELETE FROM file_cache WHERE plan_id = ?', [planId]);
  }
}

function idsOf(bytes: Buffer): string[] {
  const ids: string[] = [];
  for (let offset = 0; offset + idBytes <= bytes.length; offset += idBytes) ids.push(bytes.toString('hex', offset, offset + idBytes));
  return ids;
}

function bytesOf(ids: readonly string[]): Buffer {
  return Buffer.concat(ids.map((id) => Buffer.from(id, 'hex')));
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}
