/**
 * What a plan's last committed snapshot learnt about each file: its size,
 * times and inode then, and the IDs of the chunks that held its content (or
 * the shared chunk and offset of a small file). A run that finds a file with
 * the same size, modification time, change time and inode reuses them
 * without opening it.
 *
 * The files are stored in pages, not a row each: a page is a run of files in
 * walk order packed into one blob, named by its SHA-256. A row per file cost
 * the driver a JS object and several values per file to load, which for a
 * tree of 100,000 small files was most of a backup in which nothing changed.
 * A page ends after a file whose path hashes to a multiple of 512 (or once
 * it holds maxFilesPerPage files or maxPageBytes), so a file added or
 * removed changes the page around it, not every page after it: saving writes
 * only the pages that are new and deletes only those gone, and a run that
 * changed nothing writes nothing.
 *
 * Pages are keyed by the destination as well as the plan: the IDs say what
 * that teammate holds, so a plan moved to another teammate finds no pages
 * there and reads every file, with no hook on plan edits needed to keep it
 * right. Saving a run's files drops the pages of any other destination, so
 * only one teammate's are kept per plan.
 */
import { createHash } from 'node:crypto';
import type { Database } from './database';

const idBytes = 32;
/** About one file in this many ends a page. */
const filesPerPageOnAverage = 512;
const maxFilesPerPage = 4096;
const maxPageBytes = 1024 * 1024;
/** The offset field's value for a file stored whole. */
const noOffset = 0xffffffff;
/** Path length (4), size (8), mtime (8), ctime (8), inode (8), offset (4), chunk count (4): then the path and the chunk IDs. */
const fixedEntryBytes = 44;

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

export function cacheKey(sourcePath: Buffer): string {
  return sourcePath.toString('latin1');
}

export class FileCacheStore {
  constructor(private readonly db: Database) {}

  /** Every cached file of the plan at this destination. */
  async load(planId: number, destination: string): Promise<FileCacheMap> {
    const files: FileCacheMap = new Map();
    const pages = await this.db.all<{ entries: Buffer }>('SELECT entries FROM file_cache_pages WHERE plan_id = ? AND destination = ?', [planId, destination]);
    for (const { entries } of pages) readPage(entries, files);
    return files;
  }

  /**
   * Makes the plan's cache at `destination` what `current` says (in walk
   * order), in one transaction: pages that are new are written, pages no
   * longer there deleted, other destinations' pages dropped.
   */
  async save(planId: number, destination: string, current: FileCacheMap): Promise<void> {
    const pages = new Map<string, Buffer>();
    for (const page of pagesOf(current)) pages.set(createHash('sha256').update(page).digest('hex'), page);
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM file_cache_pages WHERE plan_id = ? AND destination <> ?', [planId, destination]);
      const stored = await tx.all<{ digest: Buffer }>('SELECT digest FROM file_cache_pages WHERE plan_id = ? AND destination = ?', [planId, destination]);
      for (const { digest } of stored) {
        if (pages.delete(digest.toString('hex'))) continue;
        await tx.run('DELETE FROM file_cache_pages WHERE plan_id = ? AND destination = ? AND digest = ?', [planId, destination, digest]);
      }
      for (const [digest, entries] of pages) {
        await tx.run('INSERT INTO file_cache_pages (plan_id, destination, digest, entries) VALUES (?, ?, ?, ?)', [planId, destination, Buffer.from(digest, 'hex'), entries]);
      }
    });
  }

  /** Forgets the plan's cached files everywhere, so its next run reads every file. */
  async clear(planId: number): Promise<void> {
    await this.db.run('DELETE FROM file_cache_pages WHERE plan_id = ?', [planId]);
  }
}

/** The files in pages, each page a copy at its exact length. */
function* pagesOf(files: FileCacheMap): Generator<Buffer> {
  let buffer = Buffer.allocUnsafe(maxPageBytes);
  let used = 0;
  let count = 0;
  for (const [key, file] of files) {
    const pathBytes = Buffer.byteLength(key, 'latin1');
    const entryBytes = fixedEntryBytes + pathBytes + file.chunks.length * idBytes;
    if (used + entryBytes > buffer.length) {
      if (count > 0) {
        yield Buffer.from(buffer.subarray(0, used));
        used = 0;
        count = 0;
      }
      if (entryBytes > buffer.length) buffer = Buffer.allocUnsafe(entryBytes);
    }
    used = buffer.writeUInt32LE(pathBytes, used);
    used += buffer.write(key, used, 'latin1');
    used = buffer.writeDoubleLE(file.size, used);
    used = buffer.writeBigInt64LE(file.mtimeNs, used);
    used = buffer.writeBigInt64LE(file.ctimeNs, used);
    used = buffer.writeBigUInt64LE(file.inode, used);
    used = buffer.writeUInt32LE(file.offset ?? noOffset, used);
    used = buffer.writeUInt32LE(file.chunks.length, used);
    for (const id of file.chunks) used += buffer.write(id, used, 'hex');
    count++;
    if (count === maxFilesPerPage || endsPage(key)) {
      yield Buffer.from(buffer.subarray(0, used));
      used = 0;
      count = 0;
    }
  }
  if (count > 0) yield Buffer.from(buffer.subarray(0, used));
}

/** Whether the file keyed `key` ends its page: FNV-1a of the path, so the choice depends on the path alone. */
function endsPage(key: string): boolean {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return (hash >>> 0) % filesPerPageOnAverage === 0;
}

function readPage(page: Buffer, into: FileCacheMap): void {
  let at = 0;
  while (at < page.length) {
    const pathBytes = page.readUInt32LE(at);
    const key = page.toString('latin1', at + 4, at + 4 + pathBytes);
    at += 4 + pathBytes;
    const size = page.readDoubleLE(at);
    const mtimeNs = page.readBigInt64LE(at + 8);
    const ctimeNs = page.readBigInt64LE(at + 16);
    const inode = page.readBigUInt64LE(at + 24);
    const offset = page.readUInt32LE(at + 32);
    const count = page.readUInt32LE(at + 36);
    at += 40;
    // Made at its exact length: an array grown by push keeps room for more, which across 100,000 files costs megabytes.
    const chunks = Array.from({ length: count }, (_, index) => page.toString('hex', at + index * idBytes, at + (index + 1) * idBytes));
    at += count * idBytes;
    const file: CachedFile = { size, mtimeNs, ctimeNs, inode, chunks };
    if (offset !== noOffset) file.offset = offset;
    into.set(key, file);
  }
}
