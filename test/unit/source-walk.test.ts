import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Exclusion } from '../../src/core/pack/exclusion';
import { walkBatches, walkItems, type FoundEntry } from '../../src/core/pack/source-walk';
import { tempDir } from '../helpers/temp';

const noExclusion = () => new Exclusion([], false, () => undefined);
const shown = (entry: FoundEntry) => `${entry.kind} ${entry.archivePath.toString('latin1')}`;

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
