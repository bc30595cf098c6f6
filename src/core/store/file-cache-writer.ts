/**
 * Writes a run's file cache as the run goes. Files come in walk order; a
 * small file's chunk is named only once its bundle is cut, so it reserves
 * its place and the files after it wait until it is filled. Files are cut
 * into pages from the front as soon as they are known, and each new page is
 * staged in the database at once, so memory holds the files waiting on an
 * open bundle and the pages being written, never the whole tree's files.
 *
 * Pages cut while one transaction is being written wait and go together
 * in the next, so a run makes few commits however many pages it cuts. A loaded
 * page that came back as it was is not staged: its digest is kept, and
 * saving (file-cache.ts) keeps its stored row.
 */
import { digestOf, PageCutter, type CachedFile, type CutPage, type LoadedEntries } from './file-cache-pages';

export interface StagedPage {
  digest: string;
  entries: Buffer;
}

/** What a finished writer leaves for saving: the new pages are staged; these loaded ones are kept as stored. */
export interface StagedCache {
  keptDigests: readonly string[];
}

export class FileCacheWriter {
  private readonly cutter: PageCutter;
  /**
   * Files not yet cut, in walk order, from `first` on: the first waits to be
   * filled. Side by side arrays rather than an object and a closure per
   * file: every file of an open bundle waits here until the bundle is cut.
   */
  private keys: (string | undefined)[] = [];
  /** Undefined until filled, or for a file not to be cached. */
  private files: (CachedFile | undefined)[] = [];
  private filled: boolean[] = [];
  private first = 0;
  /** The place number of the file at index 0: numbers count from the writer's start. */
  private base = 0;
  private readonly keptDigests: string[] = [];
  private toStage: StagedPage[] = [];
  private staging: Promise<void> | undefined;
  private failure: unknown;
  private stopped = false;

  constructor(
    /** Writes pages to the run's staging area, in one transaction. */
    private readonly stage: (pages: readonly StagedPage[]) => Promise<void>,
    /** The cache the run loaded: a page of it whose files all come back unchanged is kept, not staged. */
    loaded: LoadedEntries,
  ) {
    this.cutter = new PageCutter(loaded, (page) => this.onPage(page));
  }

  /** A file whose chunks are known. */
  add(key: string, file: CachedFile): void {
    if (this.first === this.keys.length) this.cutter.add(key, file);
    else this.push(key, file, true);
  }

  /** Keeps the file's place in walk order; returns the place's number, for `fill` once the chunks are known. */
  reserve(key: string): number {
    this.push(key, undefined, false);
    return this.base + this.keys.length - 1;
  }

  /** Fills a reserved place; undefined leaves the file out. */
  fill(place: number, file: CachedFile | undefined): void {
    const index = place - this.base;
    this.files[index] = file;
    this.filled[index] = true;
    this.cutFilledPlaces();
  }

  /** Cuts the last page and waits until every new page is staged. */
  async finish(): Promise<StagedCache> {
    if (this.first < this.keys.length) throw new Error(`the file cache's entry for ${this.keys.length - this.first} files was never filled`);
    this.cutter.end();
    this.stageWaiting();
    while (this.staging !== undefined) await this.staging;
    if (this.failure !== undefined) throw this.failure;
    return { keptDigests: this.keptDigests };
  }

  /** Stages nothing more and waits for the staging under way: for a run that failed, so nothing it cut is staged after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.staging !== undefined) await this.staging;
  }

  private push(key: string, file: CachedFile | undefined, filled: boolean): void {
    this.keys.push(key);
    this.files.push(file);
    this.filled.push(filled);
  }

  private cutFilledPlaces(): void {
    while (this.first < this.keys.length && this.filled[this.first]) {
      const key = this.keys[this.first]!;
      const file = this.files[this.first];
      this.keys[this.first] = undefined;
      this.files[this.first++] = undefined;
      if (file !== undefined) this.cutter.add(key, file);
    }
    if (this.first === this.keys.length) {
      this.base += this.keys.length;
      this.keys = [];
      this.files = [];
      this.filled = [];
      this.first = 0;
    }
  }

  private onPage(page: CutPage): void {
    if ('kept' in page) {
      this.keptDigests.push(page.kept);
      return;
    }
    this.toStage.push({ digest: digestOf(page.entries), entries: page.entries });
    this.stageWaiting();
  }

  /** Stages the pages cut so far, unless a staging is under way: its end starts the next. */
  private stageWaiting(): void {
    if (this.staging !== undefined || this.toStage.length === 0 || this.failure !== undefined || this.stopped) return;
    const pages = this.toStage;
    this.toStage = [];
    this.staging = this.stage(pages).then(
      () => {
        this.staging = undefined;
        this.stageWaiting();
      },
      (err: unknown) => {
        this.failure = err;
        this.staging = undefined;
      },
    );
  }
}
