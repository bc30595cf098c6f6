import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { LoadedFileCache, openStore, type CachedFile, type Store } from '../../src/core/store';
import { Database } from '../../src/core/store/database';
import { tempDir } from '../helpers/temp';

const id = (byte: number) => Buffer.alloc(32, byte).toString('hex');

function file(size: number, chunks: string[]): CachedFile {
  // Nanosecond times and inodes past 2^53 must come back exact.
  return { size, mtimeNs: 1_760_000_000_123_456_789n, ctimeNs: 1_760_000_001_987_654_321n, inode: 2n ** 60n + 7n, chunks };
}

/** Cached files by key, in walk order. */
type FileCacheMap = Map<string, CachedFile>;

/** What a run that started from `loaded` and found `files`, in this order, leaves as the plan's cache once its snapshot is committed. */
async function saveFiles(store: Store, planId: number, destination: string, files: FileCacheMap, loaded = new LoadedFileCache([])): Promise<void> {
  const writer = await store.fileCache.writer(planId, loaded);
  for (const [key, file] of files) writer.add(key, file);
  await store.fileCache.save(planId, destination, await writer.finish());
}

/** The plan's cache at `destination` holds exactly `files`. */
async function assertCacheHolds(store: Store, planId: number, destination: string, files: FileCacheMap): Promise<void> {
  const loaded = await store.fileCache.load(planId, destination);
  assert.equal(loaded.size, files.size);
  for (const [key, file] of files) assert.deepEqual(loaded.get(key), file, key);
}

/** The store's tables as they are on disk, read through a connection of the test's own. */
async function tablesOf(t: Parameters<typeof tempDir>[0], store: Store) {
  const db = await Database.open(store.file);
  t.after(() => db.close());
  const count = async (table: 'file_cache_pages' | 'file_cache_staged_pages') => (await db.get<{ count: number }>(`SELECT count(*) AS count FROM ${table}`))!.count;
  return {
    digests: async () => new Set((await db.all<{ digest: Buffer }>('SELECT digest FROM file_cache_pages')).map((row) => row.digest.toString('hex'))),
    stagedRows: () => count('file_cache_staged_pages'),
    storedPages: () => count('file_cache_pages'),
  };
}

async function storeWithPlan(t: Parameters<typeof tempDir>[0]) {
  const store = await openStore(join(tempDir(t), 'peer-backup.db'));
  t.after(() => store.close());
  const plan = await store.plans.create({ name: 'nightly', destination: 'PEER-A', schedule: 'manual', excludes: [], items: [] });
  return { store, plan };
}

test('a plan’s file cache comes back as saved: byte paths, exact nanosecond times and inodes, chunk IDs in order', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const current: FileCacheMap = new Map([
    [Buffer.from('/w/a.txt').toString('latin1'), file(3, [id(1)])],
    [Buffer.from([0x2f, 0x77, 0x2f, 0xff, 0xfe]).toString('latin1'), file(9_000_000, [id(2), id(3), id(2)])],
    [Buffer.from('/w/empty').toString('latin1'), file(0, [])],
  ]);
  await saveFiles(store, plan.id, 'PEER-A', current);
  await assertCacheHolds(store, plan.id, 'PEER-A', current);
  const loaded = await store.fileCache.load(plan.id, 'PEER-A');
  for (const absent of ['/w/a.tx', '/w/a.txt/', '', Buffer.from([0x2f, 0x77, 0x2f, 0xff]).toString('latin1')]) assert.equal(loaded.get(absent), undefined, absent);
});

test('saving drops vanished files and other destinations’ rows; clearing and deleting the plan drop the rest', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const a = Buffer.from('/w/a').toString('latin1');
  const b = Buffer.from('/w/b').toString('latin1');
  await saveFiles(store, plan.id, 'PEER-OLD', new Map([[a, file(1, [id(9)])]]));
  const first: FileCacheMap = new Map([
    [a, file(1, [id(1)])],
    [b, file(2, [id(2)])],
  ]);
  await saveFiles(store, plan.id, 'PEER-A', first);
  assert.equal((await store.fileCache.load(plan.id, 'PEER-OLD')).size, 0);

  const second: FileCacheMap = new Map([[a, file(5, [id(5)])]]);
  await saveFiles(store, plan.id, 'PEER-A', second);
  await assertCacheHolds(store, plan.id, 'PEER-A', second);

  await store.fileCache.clear(plan.id);
  assert.equal((await store.fileCache.load(plan.id, 'PEER-A')).size, 0);

  await saveFiles(store, plan.id, 'PEER-A', second);
  await store.plans.remove(plan.name);
  assert.equal((await store.fileCache.load(plan.id, 'PEER-A')).size, 0);
});

test('a file stored as a slice of a shared chunk keeps its offset, and a new offset alone is saved', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const key = Buffer.from('/w/small.txt').toString('latin1');
  const first: FileCacheMap = new Map([[key, { ...file(40, [id(4)]), offset: 1_000 }]]);
  await saveFiles(store, plan.id, 'PEER-A', first);
  await assertCacheHolds(store, plan.id, 'PEER-A', first);

  const moved: FileCacheMap = new Map([[key, { ...file(40, [id(4)]), offset: 2_000 }]]);
  await saveFiles(store, plan.id, 'PEER-A', moved);
  await assertCacheHolds(store, plan.id, 'PEER-A', moved);
});

test('files are kept in pages cut by path, so one changed and one added file rewrite a page or two, not all after them', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const { digests } = await tablesOf(t, store);
  const keyOf = (index: number) => Buffer.from(`/w/dir-${Math.floor(index / 100)}/file-${index}.txt`).toString('latin1');
  const files: FileCacheMap = new Map();
  for (let index = 0; index < 20_000; index++) files.set(keyOf(index), { ...file(index, [id(index % 256)]), offset: index % 7 === 0 ? index : undefined });
  for (const entry of files.values()) if (entry.offset === undefined) delete entry.offset;
  await saveFiles(store, plan.id, 'PEER-A', files);
  const before = await digests();
  assert.ok(before.size >= 10, `${before.size} pages`);
  await assertCacheHolds(store, plan.id, 'PEER-A', files);

  await saveFiles(store, plan.id, 'PEER-A', files);
  assert.deepEqual(await digests(), before, 'saving the same files again changes no page');

  const changed: FileCacheMap = new Map();
  for (const [key, entry] of files) {
    changed.set(key, key === keyOf(5_000) ? file(1, [id(1)]) : entry);
    if (key === keyOf(12_000)) changed.set(`${key}.new`, file(2, [id(2)]));
  }
  await saveFiles(store, plan.id, 'PEER-A', changed);
  const after = await digests();
  const gone = [...before].filter((digest) => !after.has(digest));
  assert.ok(gone.length >= 2 && gone.length <= 4, `${gone.length} of ${before.size} pages rewritten`);
  await assertCacheHolds(store, plan.id, 'PEER-A', changed);
});

test('saving what was loaded, with some files changed, added and removed, stores exactly the pages a save from scratch would', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const { digests } = await tablesOf(t, store);
  const keyOf = (index: number) => Buffer.from(`/w/dir-${Math.floor(index / 100)}/file-${index}.txt`).toString('latin1');
  const files: FileCacheMap = new Map();
  for (let index = 0; index < 20_000; index++) files.set(keyOf(index), file(index, [id(Math.floor(index / 50) % 256)]));
  await saveFiles(store, plan.id, 'PEER-A', files);

  const loaded = await store.fileCache.load(plan.id, 'PEER-A');
  const loadedInWalkOrder = [...files.keys()].map((key) => [key, loaded.get(key)!] as const);
  const next: FileCacheMap = new Map();
  for (const [key, entry] of loadedInWalkOrder) {
    if (key === keyOf(3_000) || key === keyOf(19_999)) continue;
    next.set(key, key === keyOf(7_000) ? file(1, [id(1)]) : entry);
    if (key === keyOf(15_000)) next.set(`${key}.new`, file(2, [id(2)]));
  }
  await saveFiles(store, plan.id, 'PEER-A', next, loaded);
  const kept = await digests();
  await assertCacheHolds(store, plan.id, 'PEER-A', next);

  // The same files saved by a store that never loaded them: every page encoded afresh.
  const fresh = await openStore(store.file);
  t.after(() => fresh.close());
  await fresh.fileCache.clear(plan.id);
  await saveFiles(fresh, plan.id, 'PEER-A', next);
  assert.deepEqual(await digests(), kept);
});

test('a cache cleared during a run stays cleared: saving brings back neither the loaded pages nor those staged before', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const files: FileCacheMap = new Map();
  for (let index = 0; index < 5_000; index++) files.set(Buffer.from(`/w/file-${index}`).toString('latin1'), file(index, [id(index % 256)]));
  await saveFiles(store, plan.id, 'PEER-A', files);
  const loaded = await store.fileCache.load(plan.id, 'PEER-A');
  const writer = await store.fileCache.writer(plan.id, loaded);
  for (const key of files.keys()) writer.add(key, loaded.get(key)!);
  writer.add(Buffer.from('/w/new').toString('latin1'), file(1, [id(1)]));
  const staged = await writer.finish();
  await store.fileCache.clear(plan.id);
  await store.fileCache.save(plan.id, 'PEER-A', staged);
  assert.ok(staged.keptDigests.length > 0, 'the loaded pages came back whole');
  assert.equal((await store.fileCache.load(plan.id, 'PEER-A')).size, 0);
});

test('files whose chunks come later keep their place in walk order, so the pages are those of the files in order', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const keyOf = (index: number) => Buffer.from(`/w/file-${index}`).toString('latin1');
  const files: FileCacheMap = new Map();
  for (let index = 0; index < 3_000; index++) files.set(keyOf(index), file(index, [id(index % 256)]));
  await saveFiles(store, plan.id, 'PEER-A', files);

  // The same files, every third one filled only after the files behind it, one left out.
  const other = await openStore(store.file);
  t.after(() => other.close());
  await other.fileCache.clear(plan.id);
  const writer = await other.fileCache.writer(plan.id, new LoadedFileCache([]));
  const fills: (() => void)[] = [];
  for (const [key, entry] of files) {
    if (entry.size % 3 !== 0) writer.add(key, entry);
    else {
      const place = writer.reserve(key);
      fills.push(() => writer.fill(place, key === keyOf(1_500) ? undefined : entry));
    }
  }
  await assert.rejects(writer.finish(), /never filled/);
  for (const fill of fills.reverse()) fill();
  await other.fileCache.save(plan.id, 'PEER-A', await writer.finish());
  const expected = new Map([...files].filter(([key]) => key !== keyOf(1_500)));
  await assertCacheHolds(other, plan.id, 'PEER-A', expected);
});

test('pages a run staged become the cache only when saved; the next run drops those of one that was never saved', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const { stagedRows } = await tablesOf(t, store);
  const before: FileCacheMap = new Map([[Buffer.from('/w/a').toString('latin1'), file(1, [id(1)])]]);
  await saveFiles(store, plan.id, 'PEER-A', before);

  const failed = await store.fileCache.writer(plan.id, new LoadedFileCache([]));
  for (let index = 0; index < 2_000; index++) failed.add(Buffer.from(`/w/failed-${index}`).toString('latin1'), file(index, [id(2)]));
  await failed.finish();
  assert.ok((await stagedRows()) > 0, 'pages are staged as the run goes');
  // A run never saved leaves the cache as it was.
  await assertCacheHolds(store, plan.id, 'PEER-A', before);

  await store.fileCache.writer(plan.id, new LoadedFileCache([]));
  assert.equal(await stagedRows(), 0, 'the next run starts with nothing staged');

  // A run that failed stops its writer: the pages it cuts after that are never staged.
  const stopped = await store.fileCache.writer(plan.id, new LoadedFileCache([]));
  for (let index = 0; index < 2_000; index++) stopped.add(Buffer.from(`/w/early-${index}`).toString('latin1'), file(index, [id(3)]));
  await stopped.stop();
  const stagedBeforeStop = await stagedRows();
  for (let index = 0; index < 2_000; index++) stopped.add(Buffer.from(`/w/late-${index}`).toString('latin1'), file(index, [id(4)]));
  // Queued behind any staging those adds started, on the store's own connection.
  await store.fileCache.load(plan.id, 'PEER-A');
  assert.equal(await stagedRows(), stagedBeforeStop);
  await store.fileCache.writer(plan.id, new LoadedFileCache([]));
  await saveFiles(store, plan.id, 'PEER-A', before);
  assert.equal(await stagedRows(), 0, 'saving leaves nothing staged');
  await assertCacheHolds(store, plan.id, 'PEER-A', before);
});

test('a run that hands back every loaded file as it was keeps every page and stages none; a changed file re-encodes its page alone', async (t) => {
  const { store, plan } = await storeWithPlan(t);
  const { stagedRows, storedPages } = await tablesOf(t, store);
  const files: FileCacheMap = new Map();
  for (let index = 0; index < 10_000; index++) files.set(Buffer.from(`/w/file-${index}`).toString('latin1'), file(index, [id(index % 256)]));
  await saveFiles(store, plan.id, 'PEER-A', files);
  const pages = await storedPages();
  assert.ok(pages >= 5, `${pages} pages`);

  const loaded = await store.fileCache.load(plan.id, 'PEER-A');
  const unchanged = await store.fileCache.writer(plan.id, loaded);
  for (const key of files.keys()) unchanged.add(key, loaded.get(key)!);
  const staged = await unchanged.finish();
  assert.equal(staged.keptDigests.length, pages);
  assert.equal(await stagedRows(), 0);

  // The same values in new objects are not the loaded files: their pages are encoded again, to the same bytes.
  const again = await store.fileCache.load(plan.id, 'PEER-A');
  const copied = await store.fileCache.writer(plan.id, again);
  for (const key of files.keys()) copied.add(key, { ...again.get(key)! });
  assert.equal((await copied.finish()).keptDigests.length, 0);
  assert.equal(await stagedRows(), pages);

  const oneChanged = await store.fileCache.load(plan.id, 'PEER-A');
  const writer = await store.fileCache.writer(plan.id, oneChanged);
  const changedKey = Buffer.from('/w/file-5000').toString('latin1');
  for (const key of files.keys()) writer.add(key, key === changedKey ? file(1, [id(1)]) : oneChanged.get(key)!);
  const result = await writer.finish();
  assert.equal(result.keptDigests.length, pages - 1);
  assert.equal(await stagedRows(), 1);
  await store.fileCache.save(plan.id, 'PEER-A', result);
  await assertCacheHolds(store, plan.id, 'PEER-A', new Map([...files].map(([key, entry]) => [key, key === changedKey ? file(1, [id(1)]) : entry])));
});
