/**
 * A sparse file (mostly holes, made with ftruncate) must restore sparse: the
 * extractor seeks over blocks of zeros instead of writing them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, openSync, closeSync, ftruncateSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { extractArchive, packArchive } from '../../src/core/pack';
import { tempDir } from '../helpers/temp';

const apparentSize = 256 * 1024 * 1024;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** A file of `size` bytes with a little data at `writes`, and holes everywhere else. */
function writeSparse(path: string, size: number, writes: [number, string][]): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (const [position, text] of writes) writeSync(fd, text, position);
  } finally {
    closeSync(fd);
  }
}

test('sparse files restore sparse, with the same content, whether they end in data or in a hole', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const block = 4096;
  // Data at the start, across a block boundary, at an odd offset, and (for one file) in the very last byte.
  const writes: [number, string][] = [[0, 'header'], [1000 * block - 3, 'straddles two blocks'], [apparentSize / 2 + 12345, 'middle']];
  writeSparse(join(ws, 'ends-in-data.img'), apparentSize, [...writes, [apparentSize - 1, 'z']]);
  writeSparse(join(ws, 'ends-in-hole.img'), apparentSize / 4 + 100, writes);
  if (statSync(join(ws, 'ends-in-data.img')).blocks * 512 > apparentSize / 16) {
    t.skip('this file system does not keep holes in files');
    return;
  }

  const archive = join(dir, 'sparse.tar.gz');
  const pack = packArchive({ planName: 'sparse', items: [{ sourcePath: ws, archivePath: 'ws' }], excludes: [], respectGitignore: false });
  await pipeline(pack.stream, createWriteStream(archive));
  await pack.result;
  const restored = join(dir, 'restored');
  await extractArchive(createReadStream(archive), restored, { overwrite: false });

  for (const name of ['ends-in-data.img', 'ends-in-hole.img']) {
    const original = statSync(join(ws, name));
    const copy = statSync(join(restored, 'ws', name));
    assert.equal(copy.size, original.size, name);
    assert.ok(copy.blocks * 512 <= 1024 * 1024, `${name} takes ${copy.blocks * 512} bytes on disk for ${copy.size} apparent`);
    assert.equal(await sha256Of(join(restored, 'ws', name)), await sha256Of(join(ws, name)), name);
  }
});
