import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { designate, undesignate } from '../../src/core/plan/designate';
import { tempDir } from '../helpers/temp';

function workspace(t: Parameters<typeof tempDir>[0]): string {
  const root = tempDir(t);
  mkdirSync(join(root, 'src/lib'), { recursive: true });
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'README.md'), '# hi\n');
  writeFileSync(join(root, 'src/lib/a.ts'), 'export {}\n');
  return root;
}

test('paths inside the base keep their relative path; outside ones use their name', async (t) => {
  const root = workspace(t);
  const elsewhere = tempDir(t);
  const { items } = await designate([], ['src', 'README.md', elsewhere], root);
  assert.deepEqual(
    items.map((item) => [item.archivePath, item.sourcePath]),
    [
      ['README.md', join(root, 'README.md')],
      ['src', join(root, 'src')],
      [elsewhere.split('/').pop(), elsewhere],
    ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
  );
});

test('a path inside a designated folder adds nothing; a folder around designated paths replaces them', async (t) => {
  const root = workspace(t);
  const first = await designate([], ['src/lib'], root);
  const second = await designate(first.items, ['src'], root);
  assert.deepEqual(second.items.map((item) => item.archivePath), ['src']);
  assert.match(second.notes[0], /now includes .*src\/lib/);
  const third = await designate(second.items, ['src/lib/a.ts'], root);
  assert.deepEqual(third.items, second.items);
  assert.match(third.notes[0], /already backed up as part of/);
});

test('a missing path is refused by name', async (t) => {
  const root = workspace(t);
  await assert.rejects(designate([], ['src', 'nope'], root), new RegExp(`${join(root, 'nope')} does not exist`));
});

test('two paths that would share an archive name are refused, naming both', async (t) => {
  const root = workspace(t);
  const a = join(tempDir(t), 'same');
  const b = join(tempDir(t), 'same');
  mkdirSync(a);
  mkdirSync(b);
  await assert.rejects(designate([], [a, b], root), (err: Error) => err.message.includes(a) && err.message.includes(b));
});

test('the reserved archive root cannot be designated', async (t) => {
  const root = workspace(t);
  mkdirSync(join(root, '.peer-backup'));
  await assert.rejects(designate([], ['.peer-backup'], root), /keeps for itself/);
});

test('undesignate removes listed paths and refuses ones that are not designated', async (t) => {
  const root = workspace(t);
  const { items } = await designate([], ['src', 'docs'], root);
  assert.deepEqual(undesignate(items, ['docs'], root).map((item) => item.archivePath), ['src']);
  assert.throws(() => undesignate(items, ['README.md'], root), /is not designated/);
});
