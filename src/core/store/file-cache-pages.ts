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

/** A page cut from a run's files: encoded, or the digest of a loaded page none of whose files changed. */
export type CutPage = { entries: Buffer } | { kept: string };

/** A loaded page: its digest, and the numbers of its first entry and of the entry after its last. */
export interface LoadedPageRange {
  digest: string;
  first: number;
  end: number;
}

/** What cutting needs to know of the loaded cache, whose entries are numbered page after page. */
export interface LoadedEntries {
  /** The number of the loaded entry this very object was read from, if it was read from one found by `key`. */
  entryOf(key: string, file: CachedFile): number | undefined;
  pageOf(entry: number): LoadedPageRange;
}

export function digestOf(entries: Buffer): string {
  return createHash('sha256').update(entries).digest('hex');
}

/**
 * Cuts files, handed over in walk order, into pages. A loaded page whose
 * files all come back as the very objects read from it, in the same order,
 * is handed on by its digest, not encoded again.
 */
export class PageCutter {
  private readonly encoder = new PageEncoder();
  /** A loaded page whose files have come back as they were so far: these. */
  private matching: LoadedPageRange | undefined;
  private readonly matched: [string, CachedFile][] = [];

  constructor(
    private readonly loaded: LoadedEntries,
    private readonly onPage: (page: CutPage) => void,
  ) {}

  add(key: string, file: CachedFile): void {
    const entry = this.loaded.entryOf(key, file);
    if (this.matching !== undefined) {
      if (entry === this.matching.first + this.matched.length) {
        this.matched.push([key, file]);
        if (entry + 1 === this.matching.end) {
          this.onPage({ kept: this.matching.digest });
          this.matching = undefined;
          this.matched.length = 0;
        }
        return;
      }
      this.encodeMatched();
    } else if (this.encoder.isEmpty && entry !== undefined) {
      const page = this.loaded.pageOf(entry);
      if (entry === page.first) {
        if (page.end === entry + 1) {
          this.onPage({ kept: page.digest });
        } else {
          this.matching = page;
          this.matched.push([key, file]);
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
    this.matching = undefined;
    for (const [key, file] of this.matched) this.encode(key, file);
    this.matched.length = 0;
  }

  private encode(key: string, file: CachedFile): void {
    for (const entries of this.encoder.add(key, file)) this.onPage({ entries });
  }
}

const noPages: readonly Buffer[] = [];

/** Packs files one after another, and says where a page ends. */
class PageEncoder {
  private buffer = Buffer.allocUnsafe(maxPageBytes);
  /** Writes the 64-bit fields: Buffer's writeBigInt64LE allocates four BigInts each, a DataView none. */
  private view = viewOf(this.buffer);
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
      if (entryBytes > this.buffer.length) {
        this.buffer = Buffer.allocUnsafe(entryBytes);
        this.view = viewOf(this.buffer);
      }
    }
    const { buffer, view } = this;
    let used = this.used;
    used = buffer.writeUInt32LE(pathBytes, used);
    used += buffer.write(key, used, 'latin1');
    used = buffer.writeDoubleLE(file.size, used);
    view.setBigInt64(used, file.mtimeNs, true);
    view.setBigInt64(used + 8, file.ctimeNs, true);
    view.setBigUint64(used + 16, file.inode, true);
    used += 24;
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

/** A DataView of `buffer`, for the 64-bit fields of a page. */
export function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Whether the file keyed `key` ends its page: the choice depends on the path alone. */
function endsPage(key: string): boolean {
  return hashOfKey(key) % filesPerPageOnAverage === 0;
}

/** FNV-1a of a key's characters, which are its path's bytes. */
export function hashOfKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/** hashOfKey of the key of the entry at `at`, from its path's bytes. */
export function hashOfPathAt(page: Buffer, at: number): number {
  let hash = 0x811c9dc5;
  const end = at + 4 + pathBytesAt(page, at);
  for (let index = at + 4; index < end; index++) hash = Math.imul(hash ^ page[index]!, 0x01000193);
  return hash >>> 0;
}

/** The length of the path of the entry at `at`; the path's bytes follow. */
export function pathBytesAt(page: Buffer, at: number): number {
  return page.readUInt32LE(at);
}

/** Where the entry at `at` ends, and the next one starts. */
export function nextEntryAt(page: Buffer, at: number): number {
  const fieldsAt = at + 4 + page.readUInt32LE(at);
  return fieldsAt + 40 + page.readUInt32LE(fieldsAt + 36) * idBytes;
}

/**
 * The file of the entry at `at`. `view` is a DataView of the page: it reads
 * the 64-bit fields at any alignment without the BigInt arithmetic of
 * Buffer's readers.
 */
export function fileAt(page: Buffer, view: DataView, at: number): CachedFile {
  const fieldsAt = at + 4 + view.getUint32(at, true);
  const size = view.getFloat64(fieldsAt, true);
  const mtimeNs = view.getBigInt64(fieldsAt + 8, true);
  const ctimeNs = view.getBigInt64(fieldsAt + 16, true);
  const inode = view.getBigUint64(fieldsAt + 24, true);
  const offset = view.getUint32(fieldsAt + 32, true);
  const count = view.getUint32(fieldsAt + 36, true);
  const idsAt = fieldsAt + 40;
  // Made at its exact length: an array grown by push keeps room for more.
  const chunks = new Array<string>(count);
  for (let index = 0; index < count; index++) chunks[index] = page.toString('hex', idsAt + index * idBytes, idsAt + (index + 1) * idBytes);
  return offset === noOffset ? { size, mtimeNs, ctimeNs, inode, chunks } : { size, mtimeNs, ctimeNs, inode, chunks, offset };
}
