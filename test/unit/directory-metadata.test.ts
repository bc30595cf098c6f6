/**
 * Restored folders get their archived mode and mtime, deepest first, many
 * side by side, including folders whose paths are too long to use directly.
 */
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FolderPaths } from '../../src/core/pack/folder-paths';
import { applyDirectoryMetadata, type DirectoryMetadata } from '../../src/core/pack/move-into-place';
import { tempDir } from '../helpers/temp';

test('every folder gets its mode and mtime, nested, side by side and past the direct path limit', async (t) => {
  const root = tempDir(t);
  const directories: DirectoryMetadata[] = [];
  const add = (path: string, index: number) => {
    mkdirSync(join(root, path), { recursive: true });
    directories.push({ path, mode: index % 2 ? 0o750 : 0o705, mtime: 1_600_000_000 + index });
  };
  for (let top = 0; top < 40; top++) {
    add(`top-${top}`, directories.length);
    for (let inner = 0; inner < 3; inner++) add(`top-${top}/inner-${inner}`, directories.length);
  }
  const long = 'l'.repeat(250);
  let deep = 'deep';
  add(deep, directories.length);
  for (let level = 0; level < 14; level++) {
    deep = `${deep}/${long}`;
    add(deep, directories.length);
  }
  const paths = new FolderPaths(root);
  t.after(() => paths.close());
  assert.equal(paths.directOf(deep), undefined, 'the deepest folder is reached through an anchor');
  // Handed over shallowest first: the order they are given in must not matter.
  await applyDirectoryMetadata(paths, directories);
  for (const { path, mode, mtime } of directories.filter((_, index) => index % 7 === 0 || index === directories.length - 1)) {
    const where = join(root, path);
    if (where.length >= 4096) continue; // statSync cannot reach it directly; its parents are checked
    const stats = statSync(where);
    assert.equal(stats.mode & 0o777, mode, path.slice(0, 60));
    assert.equal(stats.mtimeMs, (mtime as number) * 1000, path.slice(0, 60));
  }
});
