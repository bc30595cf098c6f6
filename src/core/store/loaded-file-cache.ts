/**
 * A plan's file cache as loaded for a run: its pages kept as the bytes they
 * are stored as, with an index from each file's path to its entry. A file is
 * read out of its page only when the walk asks for it, so loading makes no
 * object per file and the heap does not grow with the number of files; the
 * index takes about 20 bytes a file.
 *
 * Entries are numbered page after page. The object `get` returns remembers
 * its entry, so a run that hands back the same objects in the same order
 * hands back the page as it was loaded (file-cache-pages.ts, PageCutter).
 */
import { fileAt, hashOfKey, hashOfPathAt, nextEntryAt, pathBytesAt, viewOf, type CachedFile, type LoadedEntries, type LoadedPageRange } from './file-cache-pages';

/** An empty slot of the index. */
const none = -1;

export class LoadedFileCache implements LoadedEntries {
  readonly size: number;
  private readonly pages: Buffer[];
  private readonly views: DataView[];
  private readonly digests: string[];
  /** The number of page `p`'s first entry at `p`, and the entry count at the end. */
  private readonly pageFirst: Int32Array;
  private readonly entryPage: Int32Array;
  private readonly entryAt: Int32Array;
  /** Open addressing with linear probing: each slot holds an entry number or `none`. */
  private readonly slots: Int32Array;
  private readonly entryOfFile = new WeakMap<CachedFile, number>();

  constructor(pages: readonly { digest: string; entries: Buffer }[]) {
    this.pages = pages.map((page) => page.entries);
    this.views = this.pages.map(viewOf);
    this.digests = pages.map((page) => page.digest);
    this.pageFirst = new Int32Array(pages.length + 1);
    let count = 0;
    this.pages.forEach((page, index) => {
      this.pageFirst[index] = count;
      for (let at = 0; at < page.length; at = nextEntryAt(page, at)) count++;
    });
    this.pageFirst[pages.length] = count;
    this.size = count;
    this.entryPage = new Int32Array(count);
    this.entryAt = new Int32Array(count);
    let slotCount = 16;
    while (slotCount < 2 * count) slotCount *= 2;
    this.slots = new Int32Array(slotCount).fill(none);
    let entry = 0;
    this.pages.forEach((page, index) => {
      for (let at = 0; at < page.length; at = nextEntryAt(page, at), entry++) {
        this.entryPage[entry] = index;
        this.entryAt[entry] = at;
        let slot = hashOfPathAt(page, at) & (slotCount - 1);
        while (this.slots[slot] !== none) slot = (slot + 1) & (slotCount - 1);
        this.slots[slot] = entry;
      }
    });
  }

  /** The cached file keyed `key` (cacheKey), if any: a new object at each call. */
  get(key: string): CachedFile | undefined {
    const mask = this.slots.length - 1;
    for (let slot = hashOfKey(key) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === none) return undefined;
      if (!this.keyIs(entry, key)) continue;
      const page = this.entryPage[entry]!;
      const file = fileAt(this.pages[page]!, this.views[page]!, this.entryAt[entry]!);
      this.entryOfFile.set(file, entry);
      return file;
    }
  }

  entryOf(key: string, file: CachedFile): number | undefined {
    const entry = this.entryOfFile.get(file);
    return entry !== undefined && this.keyIs(entry, key) ? entry : undefined;
  }

  pageOf(entry: number): LoadedPageRange {
    const page = this.entryPage[entry]!;
    return { digest: this.digests[page]!, first: this.pageFirst[page]!, end: this.pageFirst[page + 1]! };
  }

  private keyIs(entry: number, key: string): boolean {
    const page = this.pages[this.entryPage[entry]!]!;
    const at = this.entryAt[entry]!;
    if (pathBytesAt(page, at) !== key.length) return false;
    // A key holds one character per byte of the path (latin1).
    for (let index = 0; index < key.length; index++) if (page[at + 4 + index] !== key.charCodeAt(index)) return false;
    return true;
  }
}
