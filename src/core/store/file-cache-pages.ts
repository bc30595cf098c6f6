/**
 * How the file cache's files are packed into pages (file-cache.ts says
 * why pages): each file one after another as
 *
 *   path length (4) || path || size (8, a double) || mtime ns (8) ||
 *   ctime ns (8) || inode (8) || offset (4) || chunk count (4) || chunk IDs (32 each)
 *
 * little-endian, the offset 0xffffffff for a file stored whole. A page ends
 * after a file whose path hashes to a multiple of 512, or once it holds
 * maxFilesPerPage files or maxPageBytes.
 */
import { createHash } from 'node:crypto';

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

/** A page as loaded: its files in order, so a run can tell it came back unchanged without encoding it again. */
export interface LoadedPage {
  digest: string;
  keys: string[];
  files: CachedFile[];
}

/** A page cut from a run's files: encoded, or a loaded page none of whose files changed. */
export type CutPage = { entries: Buffer } | { loaded: LoadedPage };

export function digestOf(entries: Buffer): string {
  return createHash('sha256').update(entries).digest('hex');
}

/**
 * Cuts files, handed over in walk order, into pages. A loaded page whose
 * files all come back as the very objects it was loaded as, in the same
 * order, is handed on as it was, not encoded again.
 */
export class PageCutter {
  private readonly encoder = new PageEncoder();
  /** A loaded page whose first `matched` files came back as they were. */
  private matching: LoadedPage | undefined;
  private matched = 0;

  constructor(
    /** The loaded page that starts with this very file, if any. */
    private readonly loadedPageStartingWith: (file: CachedFile) => LoadedPage | undefined,
    private readonly onPage: (page: CutPage) => void,
  ) {}

  add(key: string, file: CachedFile): void {
    if (this.matching !== undefined) {
      if (this.matching.files[this.matched] === file && this.matching.keys[this.matched] === key) {
        if (++this.matched === this.matching.files.length) {
          this.onPage({ loaded: this.matching });
          this.matching = undefined;
        }
        return;
      }
      this.encodeMatched();
    } else if (this.encoder.isEmpty) {
      const loaded = this.loadedPageStartingWith(file);
      if (loaded !== undefined && loaded.keys[0] === key) {
        if (loaded.files.length === 1) {
          this.onPage({ loaded });
        } else {
          this.matching = loaded;
          this.matched = 1;
        }
        return;
      }
    }
    this.encode(key, file);
  }

  /** Cuts the last page. */
  end(): void {
    // The page's later files are gone: the ones that came are encoded.
    if (this.matching !== undefined) this.encodeMatched();
    const last = this.encoder.end();
    if (last) this.onPage({ entries: last });
  }

  /** The loaded page diverged: the files matched so far are encoded like any others. */
  private encodeMatched(): void {
    const { keys, files } = this.matching!;
    this.matching = undefined;
    for (let index = 0; index < this.matched; index++) this.encode(keys[index]!, files[index]!);
  }

  private encode(key: string, file: CachedFile): void {
    for (const entries of this.encoder.add(key, file)) this.onPage({ entries });
  }
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

  /** The page so far, if any, as a copy at its exact length; the encoder starts a new one. */
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
export function readPage(page: Buffer, loaded: LoadedPage, into: FileCacheMap): void {
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
