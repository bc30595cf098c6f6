import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Exclusion } from '../../src/core/pack/exclusion';
import { BatchReadAhead } from '../../src/core/pack/read-ahead';
import { walkBatches, walkItems, type FoundEntry } from '../../src/core/pack/source-walk';
import { tempDir } from '../helpers/temp';

const noExclusion = () => new Exclusion([], false, () => undefined);
const shown = (entry: FoundEntry) => `${entry.kind} ${entry.archivePath.toString('latin1')}`;

async function* fromBatches<T>(batches: T[][]): AsyncGenerator<T[]> {
  for (const batch of batches) yield batch;
}

test('the walk in batches hands over every entry once, in walk order, a big folder split into bounded batches', async (t) => {
  const root = join(tempDir(t), 'tree');
  mkdirSync(join(root, 'big'), { recursive: true });
  for (let index = 0; index < 2_500; index++) writeFileSync(join(root, 'big', `f${index}`), '');
  mkdirSync(join(root, 'a', 'deep'), { recursive: true });
  writeFileSync(join(root, 'a', 'deep', 'x'), 'x');
  writeFileSync(join(root, 'a', 'z'), 'z');
  const notUtf8 = Buffer.from([0x62, 0xff]);
  writeFileSync(Buffer.concat([Buffer.from(`${root}/`), notUtf8]), '');
  symlinkSync('/nowhere', join(root, 'link'));
  const items = [{ sourcePath: root, archivePath: 'tree' }];

  const batches: FoundEntry[][] = [];
  for await (const batch of walkBatches('p', items, noExclusion())) batches.push(batch);
  const one: FoundEntry[] = [];
  for await (const entry of walkItems('p', items, noExclusion())) one.push(entry);

  const flat = batches.flat();
  assert.deepEqual(flat.map(shown), one.map(shown));
  assert.ok(batches.length >= 3 && batches.every((batch) => batch.length > 0 && batch.length <= 1024), batches.map((batch) => batch.length).join(','));
  const names = flat.map(shown);
  assert.deepEqual(names.slice(0, 5), ['directory tree', 'directory tree/a', 'directory tree/a/deep', 'file tree/a/deep/x', 'file tree/a/z']);
  assert.equal(names.length, 1 + 3 + 2 + 2_500 + 1 + 1);
  // Names in byte order: big/ before the name that is not UTF-8 (0x62 0xff), the link last.
  assert.deepEqual(names.slice(-2), [`file tree/${notUtf8.toString('latin1')}`, 'symlink tree/link']);
  assert.equal(new Set(names).size, names.length);
});

test('plan excludes still apply when paths inside the item are built only for them', async (t) => {
  const root = join(tempDir(t), 'tree');
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(join(root, 'build', 'out'), '');
  writeFileSync(join(root, 'keep.txt'), '');
  writeFileSync(join(root, 'skip.log'), '');
  const found: string[] = [];
  for await (const batch of walkBatches('p', [{ sourcePath: root, archivePath: 'tree' }], new Exclusion(['/build', '*.log'], false, () => undefined))) found.push(...batch.map(shown));
  assert.deepEqual(found, ['directory tree', 'file tree/keep.txt']);
});

test('reading ahead across batches prepares at most the given number of items ahead, in order, with no promise within a batch', async () => {
  const prepared: number[] = [];
  const ahead = new BatchReadAhead(fromBatches([[1, 2, 3], [4], [5, 6, 7, 8]]), 2, (item: number) => {
    prepared.push(item);
    return item * 10;
  });
  const taken: number[] = [];
  let promises = 0;
  for (;;) {
    const next = ahead.next();
    if (next instanceof Promise) promises++;
    const current = next instanceof Promise ? await next : next;
    if (current === undefined) break;
    assert.equal(current.prepared, current.item * 10);
    taken.push(current.item);
    assert.ok(prepared.length <= taken.length + 2, `${prepared.length} prepared with ${taken.length} taken`);
  }
  await ahead.close();
  assert.deepEqual(taken, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(prepared, taken);
  // One wait per batch, and one to learn the source has ended.
  assert.equal(promises, 4);
});

test('closing early lets preparations in flight finish and ends the source', async () => {
  let finished = 0;
  let sourceEnded = false;
  async function* source(): AsyncGenerator<number[]> {
    try {
      yield [1, 2, 3, 4];
      yield [5];
    } finally {
      sourceEnded = true;
    }
  }
  const ahead = new BatchReadAhead(source(), 3, async (item: number) => {
    await new Promise((resolve) => setImmediate(resolve));
    finished++;
    return item;
  });
  const first = await ahead.next();
  assert.equal(first?.item, 1);
  await ahead.close();
  assert.equal(finished, 3, 'the three prepared ahead have finished');
  assert.equal(sourceEnded, true);
});
