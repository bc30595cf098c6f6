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
 * Where a page ends depends on the paths alone (file-cache-pages.ts), so a
 * file added or removed changes the page around it, not every page after
 * it: a run stages only the pages that are new as it goes
 * (file-cache-writer.ts), saving deletes only those gone, and a run that
 * changed nothing writes nothing. A page whose loaded files all come back
 * as they were is not even encoded again: saving knows it by its digest.
 *
 * A run loads the pages as the bytes they are stored as, and reads a file
 * out of them only when the walk asks for it (loaded-file-cache.ts).
 *
 * Staged pages become the plan's cache only when saved, once the run's
 * snapshot is committed; a run that fails leaves the cache as it was, and
 * the next run drops what it staged.
 *
 * Pages are keyed by the destination as well as the plan: the IDs say what
 * that teammate holds, so a plan moved to another teammate finds no pages
 * there and reads every file, with no hook on plan edits needed to keep it
 * right. Saving a run's files drops the pages of any other destination, so
 * only one teammate's are kept per plan.
 */
import type { Database } from './database';
import { FileCacheWriter, type StagedCache, type StagedPage } from './file-cache-writer';
import { LoadedFileCache } from './loaded-file-cache';

export type { CachedFile, FileStamp } from './file-cache-pages';
export type { FileCacheWriter, StagedCache } from './file-cache-writer';
export { LoadedFileCache } from './loaded-file-cache';

export function cacheKey(sourcePath: Buffer): string {
  return sourcePath.toString('latin1');
}

export class FileCacheStore {
  constructor(private readonly db: Database) {}

  /** The plan's cached files at this destination. */
  async load(planId: number, destination: string): Promise<LoadedFileCache> {
    const rows = await this.db.all<{ digest: Buffer; entries: Buffer }>('SELECT digest, entries FROM file_cache_pages WHERE plan_id = ? AND destination = ?', [planId, destination]);
    return new LoadedFileCache(rows.map(({ digest, entries }) => ({ digest: digest.toString('hex'), entries })));
  }

  /**
   * A writer for a run of the plan, staging its files' pages; `loaded` is
   * the cache the run started from. What an earlier run staged and never
   * saved is dropped.
   */
  async writer(planId: number, loaded: LoadedFileCache): Promise<FileCacheWriter> {
    await this.db.run('DELETE FROM file_cache_staged_pages WHERE plan_id = ?', [planId]);
    return new FileCacheWriter((pages) => this.stage(planId, pages), loaded);
  }

  /**
   * Makes the plan's cache at `destination` what its finished writer staged
   * and kept, in one transaction: staged pages are written, pages neither
   * staged nor kept deleted, other destinations' pages dropped. A kept
   * page whose row is gone by then (the cache was cleared during the run)
   * stays gone: its files are read again next time, as clearing asked.
   */
  async save(planId: number, destination: string, { keptDigests }: StagedCache): Promise<void> {
    const kept = new Set(keptDigests);
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM file_cache_pages WHERE plan_id = ? AND destination <> ?', [planId, destination]);
      const stored = await tx.all<{ digest: Buffer }>('SELECT digest FROM file_cache_pages WHERE plan_id = ? AND destination = ?', [planId, destination]);
      for (const { digest } of stored) {
        if (!kept.has(digest.toString('hex'))) await tx.run('DELETE FROM file_cache_pages WHERE plan_id = ? AND destination = ? AND digest = ?', [planId, destination, digest]);
      }
      await tx.run(
        'INSERT OR REPLACE INTO file_cache_pages (plan_id, destination, digest, entries) SELECT plan_id, ?, digest, entries FROM file_cache_staged_pages WHERE plan_id = ?',
        [destination, planId],
      );
      await tx.run('DELETE FROM file_cache_staged_pages WHERE plan_id = ?', [planId]);
    });
  }

  /** Forgets the plan's cached files everywhere, so its next run reads every file. */
  async clear(planId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM file_cache_pages WHERE plan_id = ?', [planId]);
      await tx.run('DELETE FROM file_cache_staged_pages WHERE plan_id = ?', [planId]);
    });
  }

  private async stage(planId: number, pages: readonly StagedPage[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const { digest, entries } of pages) {
        await tx.run('INSERT OR REPLACE INTO file_cache_staged_pages (plan_id, digest, entries) VALUES (?, ?, ?)', [planId, Buffer.from(digest, 'hex'), entries]);
      }
    });
  }
}
