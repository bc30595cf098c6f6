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
 * changed nothing writes nothing. A page whose loaded files all come back
 * as they were is not even encoded again: saving knows it by its digest.
 *
 * Pages are keyed by the destination as well as the plan: the IDs say what
 * that teammate holds, so a plan moved to another teammate finds no pages
 * there and reads every file, with no hook on plan edits needed to keep it
 * right. Saving a run's files drops the pages of any other destination, so
 * only one teammate's are kept per plan.
 */
import { createHash } from 'node:crypto';
import type { Database, Queries } from './database';

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

/** Never changed once made: saving recognises a loaded page by its very objects. */
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

/** A page as loaded: its files in order, so saving can tell it is unchanged without encoding it again. */
interface LoadedPage {
  digest: string;
  keys: string[];
  files: CachedFile[];
}

/** A page to save: encoded, or a loaded page none of whose files changed. */
type PageToSave = { entries: Buffer } | { loaded: LoadedPage };

export class FileCacheStore {
  /**
   * Each loaded page by its first file (the very object load returned):
   * files are never changed once made, so a run that hands back the same
   * objects in the same order hands back the page as it was loaded.
   */
  private readonly pageStartingWith = new WeakMap<CachedFile, LoadedPage>();

  constructor(private readonly db: Database) {}

  /** Every cached file of the plan at this destination. */
  async load(planId: number, destination: string): Promise<FileCacheMap> {
    const files: FileCacheMap = new Map();
    const pages = await this.db.all<{ digest: Buffer; entries: Buffer }>('SELECT digest, entries FROM file_cache_pages WHERE plan_id = ? AND destination = ?', [planId, destination]);
    for (const { digest, entries } of pages) {
      const loaded: LoadedPage = { digest: digest.toString('hex'), keys: [], files: [] };
      readPage(entries, loaded, files);
      if (loaded.files.length > 0) this.pageStartingWith.set(loaded.files[0]!, loaded);
    }
    return files;
  }

  /**
   * Makes the plan's cache at `destination` what `current` says (in walk
   * order), in one transaction: pages that are new are written, pages no
   * longer there deleted, other destinations' pages dropped. A page loaded
   * earlier whose files all came back unchanged is not encoded again.
   */
  async save(planId: number, destination: string, current: FileCacheMap): Promise<void> {
    const pages = new Map<string, PageToSave>();
    for (const page of this.pagesOf(current)) pages.set('loaded' in page ? page.loaded.digest : digestOf(page.entries), page);
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM file_cache_pages WHERE plan_id = ? AND destination <> ?', [planId, destination]);
      const stored = await tx.all<{ digest: Buffer }>('SELECT digest FROM file_cache_pages WHERE plan_id = ? AND destination = ?', [planId, destination]);
      for (const { digest } of stored) {
        if (pages.delete(digest.toString('hex'))) continue;
        await tx.run('DELETE FROM file_cache_pages WHERE plan_id = ? AND destination = ? AND digest = ?', [planId, destination, digest]);
      }
      for (const [digest, page] of pages) {
        if ('entries' in page) await insertPage(tx, planId, destination, digest, page.entries);
        // A loaded page whose row is gone (the cache was cleared meanwhile): encoded after all.
        else for (const entries of encodePages(zip(page.loaded.keys, page.loaded.files))) await insertPage(tx, planId, destination, digestOf(entries), entries);
      }
    });
  }

  /** Forgets the plan's cached files everywhere, so its next run reads every file. */
  async clear(planId: number): Promise<void> {
    await this.db.run('DELETE FROM file_cache_pages WHERE plan_id = ?', [planId]);
  }

  /** The files in pages: loaded pages that came back whole as they were, the rest encoded. */
  private *pagesOf(files: FileCacheMap): Generator<PageToSave> {
    const encoder = new PageEncoder();
    let matching: LoadedPage | undefined;
    let matched = 0;
    for (const [key, file] of files) {
      if (matching !== undefined) {
        if (matching.files[matched] === file && matching.keys[matched] === key) {
          if (++matched === matching.files.length) {
            yield { loaded: matching };
            matching = undefined;
          }
          continue;
        }
        // Diverged: the files matched so far are encoded like any others.
        for (let index = 0; index < matched; index++) for (const entries of encoder.add(matching.keys[index]!, matching.files[index]!)) yield { entries };
        matching = undefined;
      } else if (encoder.isEmpty) {
        const loaded = this.pageStartingWith.get(file);
        if (loaded !== undefined && loaded.keys[0] === key) {
          if (loaded.files.length === 1) {
            yield { loaded };
          } else {
            matching = loaded;
            matched = 1;
          }
          continue;
        }
      }
      for (const entries of encoder.add(key, file)) yield { entries };
    }
    if (matching !== undefined) {
      // The page's later files are gone: the ones left are encoded.
      for (let index = 0; index < matched; index++) for (const entries of encoder.add(matching.keys[index]!, matching.files[index]!)) yield { entries };
    }
    const last = encoder.end();
    if (last) yield { entries: last };
  }
}

function digestOf(entries: Buffer): string {
  return createHash('sha256').update(entries).digest('hex');
}

async function insertPage(tx: Queries, planId: number, destination: string, digest: string, entries: Buffer): Promise<void> {
  await tx.run('INSERT INTO file_cache_pages (plan_id, destination, digest, entries) VALUES (?, ?, ?, ?)', [planId, destination, Buffer.from(digest, 'hex'), entries]);
}

function* zip<A, B>(as: readonly A[], bs: readonly B[]): Generator<[A, B]> {
  for (let index = 0; index < as.length; index++) yield [as[index]!, bs[index]!];
}

/** The files in pages, each page a copy at its exact length. */
function* encodePages(files: Iterable<[string, CachedFile]>): Generator<Buffer> {
  const encoder = new PageEncoder();
  for (const [key, file] of files) yield* encoder.add(key, file);
  const last = encoder.end();
  if (last) yield last;
}

const noPages: readonly Buffer[] = [];

/** Packs files one after another, and says where a page ends. */
class PageEncoder {
  private buffer = Buffer.allocUnsafe(maxPageBytes);
  private used = 0;
  private count = 0;

  get isEmpty(): boolean {
    return this.count === 0;
  }

  /** Adds the file; returns the pages that ends: the one it did not fit in, and its own if it ends that. */
  add(key: string, file: CachedFile): readonly Buffer[] {
    const pathBytes = Buffer.byteLength(key, 'latin1');
    const entryBytes = fixedEntryBytes + pathBytes + file.chunks.length * idBytes;
    let ended = noPages;
    if (this.used + entryBytes > this.buffer.length) {
      if (this.count > 0) ended = [this.end()!];
      if (entryBytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(entryBytes);
    }
    const { buffer } = this;
    let used = this.used;
    used = buffer.writeUInt32LE(pathBytes, used);
    used += buffer.write(key, used, 'latin1');
    used = buffer.writeDoubleLE(file.size, used);
    used = buffer.writeBigInt64LE(file.mtimeNs, used);
    used = buffer.writeBigInt64LE(file.ctimeNs, used);
    used = buffer.writeBigUInt64LE(file.inode, used);
    used = buffer.writeUInt32LE(file.offset ?? noOffset, used);
    used = buffer.writeUInt32LE(file.chunks.length, used);
    for (const id of file.chunks) used += buffer.write(id, used, 'hex');
    this.used = used;
    this.count++;
    return this.count === maxFilesPerPage || endsPage(key) ? [...ended, this.end()!] : ended;
  }

  /** The page so far, if any, as a copy; the encoder starts a new one. */
  end(): Buffer | undefined {
    if (this.count === 0) return undefined;
    const page = Buffer.from(this.buffer.subarray(0, this.used));
    this.used = 0;
    this.count = 0;
    return page;
  }
}

/** Whether the file keyed `key` ends its page: FNV-1a of the path, so the choice depends on the path alone. */
function endsPage(key: string): boolean {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return (hash >>> 0) % filesPerPageOnAverage === 0;
}

/** Adds a page's files to `into`, and to `loaded` in order. */
function readPage(page: Buffer, loaded: LoadedPage, into: FileCacheMap): void {
  // DataView reads the 64-bit fields at any alignment without the BigInt arithmetic of Buffer's readers.
  const view = new DataView(page.buffer, page.byteOffset, page.length);
  // Small files share chunks, so a run of files often names the same one: its ID and array are made once.
  let lastChunks: string[] = [];
  let lastChunkAt = -1;
  let at = 0;
  while (at < page.length) {
    const pathBytes = view.getUint32(at, true);
    const key = page.toString('latin1', at + 4, at + 4 + pathBytes);
    at += 4 + pathBytes;
    const size = view.getFloat64(at, true);
    const mtimeNs = view.getBigInt64(at + 8, true);
    const ctimeNs = view.getBigInt64(at + 16, true);
    const inode = view.getBigUint64(at + 24, true);
    const offset = view.getUint32(at + 32, true);
    const count = view.getUint32(at + 36, true);
    at += 40;
    let chunks: string[];
    if (count === 1 && lastChunkAt >= 0 && page.compare(page, lastChunkAt, lastChunkAt + idBytes, at, at + idBytes) === 0) {
      chunks = lastChunks;
    } else {
      // Made at its exact length: an array grown by push keeps room for more, which across 100,000 files costs megabytes.
      chunks = new Array<string>(count);
      for (let index = 0; index < count; index++) chunks[index] = page.toString('hex', at + index * idBytes, at + (index + 1) * idBytes);
      if (count === 1) {
        lastChunks = chunks;
        lastChunkAt = at;
      }
    }
    at += count * idBytes;
    const file: CachedFile = offset === noOffset ? { size, mtimeNs, ctimeNs, inode, chunks } : { size, mtimeNs, ctimeNs, inode, chunks, offset };
    into.set(key, file);
    loaded.keys.push(key);
    loaded.files.push(file);
  }
}
