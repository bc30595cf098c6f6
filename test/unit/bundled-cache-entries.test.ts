/**
 * The file cache entries of bundled files: each keeps its place in walk
 * order while the bundle is open, and is filled with the bundle's chunk, its
 * offset in it and its whole stamp once the bundle is named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BundledCacheEntries } from '../../src/core/backup/bundled-cache-entries';
import { nextEntryAt, pathBytesAt } from '../../src/core/store/file-cache-pages';
import { FileCacheWriter, type StagedPage } from '../../src/core/store/file-cache-writer';
import { cacheKey, LoadedFileCache, type CachedFile, type FileStamp } from '../../src/core/store';

const keyOf = (name: string) => cacheKey(Buffer.from(`/w/${name}`));
// Times before 1970 and inodes past 2^63 come back whole.
const stampOf = (index: number): FileStamp => ({ size: index + 1, mtimeNs: BigInt(index) * 1_000_000_007n - 10n ** 12n, ctimeNs: BigInt(index), inode: 2n ** 64n - 1n - BigInt(index) });

function writerStaging(staged: StagedPage[]): FileCacheWriter {
  return new FileCacheWriter(async (pages) => {
    staged.push(...pages);
  }, new LoadedFileCache([]));
}

function keysInOrder(pages: readonly StagedPage[]): string[] {
  const keys: string[] = [];
  for (const { entries } of pages) {
    for (let at = 0; at < entries.length; at = nextEntryAt(entries, at)) keys.push(entries.toString('latin1', at + 4, at + 4 + pathBytesAt(entries, at)));
  }
  return keys;
}

test('bundled files are cached in walk order with the bundle, their offset and their stamp; files between them keep their place', async () => {
  const staged: StagedPage[] = [];
  const writer = writerStaging(staged);
  const bundled = new BundledCacheEntries(writer);
  const bundleId = 'b'.repeat(64);
  const expected = new Map<string, CachedFile>();
  const order: string[] = [];
  // More files than the entries first make room for.
  for (let index = 0; index < 3_000; index++) {
    const key = keyOf(`file-${index}`);
    order.push(key);
    if (index % 100 === 50) {
      const whole: CachedFile = { ...stampOf(index), chunks: ['c'.repeat(64)] };
      writer.add(key, whole);
      expected.set(key, whole);
    } else {
      bundled.add(key, stampOf(index), 10 * index);
      expected.set(key, { ...stampOf(index), chunks: [bundleId], offset: 10 * index });
    }
  }
  await assert.rejects(writer.finish(), /never filled/);
  bundled.named(bundleId, false);
  await writer.finish();

  assert.deepEqual(keysInOrder(staged), order);
  const loaded = new LoadedFileCache(staged);
  for (const [key, file] of expected) assert.deepEqual(loaded.get(key), file, key);
});

test('the file of a bundle that holds it alone is cached as a whole file, with no offset', async () => {
  const staged: StagedPage[] = [];
  const writer = writerStaging(staged);
  const bundled = new BundledCacheEntries(writer);
  bundled.add(keyOf('alone'), stampOf(7), 0);
  bundled.named('d'.repeat(64), true);
  await writer.finish();
  assert.deepEqual(new LoadedFileCache(staged).get(keyOf('alone')), { ...stampOf(7), chunks: ['d'.repeat(64)] });
});
