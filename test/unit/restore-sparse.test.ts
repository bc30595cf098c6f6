/**
 * A sparse file (mostly holes, made with ftruncate) must restore sparse from
 * a chunked snapshot: its runs of zeros, all-zero chunks included, are left
 * as holes instead of being written.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { generateIdentity } from '../../src/core/identity/keys';
import { restoreToFolder } from '../../src/core/restore';
import { FolderChunkSource } from '../helpers/folder-chunk-source';
import { buildSnapshot } from '../helpers/snapshot-builder';
import { tempDir } from '../helpers/temp';

const apparentSize = 64 * 1024 * 1024;

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
  const source = join(dir, 'source');
  mkdirSync(source);
  const block = 4096;
  const writes: [number, string][] = [[0, 'header'], [1000 * block - 3, 'straddles two blocks'], [apparentSize / 2 + 12345, 'middle']];
  writeSparse(join(source, 'ends-in-data.img'), apparentSize, [...writes, [apparentSize - 1, 'z']]);
  writeSparse(join(source, 'ends-in-hole.img'), apparentSize / 4 * 3 + 100, writes);
  if (statSync(join(source, 'ends-in-data.img')).blocks * 512 > apparentSize / 16) {
    t.skip('this file system does not keep holes in files');
    return;
  }
  const store = new FolderChunkSource(join(dir, 'store'));
  const built = await buildSnapshot({ source, rootName: 'ws', keys: deriveChunkKeys(generateStorageSecret()), identity: generateIdentity(), store });
  const chunks = built.chunksOf.get('ws/ends-in-data.img')!;
  assert.ok(new Set(chunks).size < chunks.length, 'the zeros come as repeated all-zero chunks');

  const target = join(dir, 'target');
  await restoreToFolder(built.snapshot, target, { overwrite: false });
  for (const name of ['ends-in-data.img', 'ends-in-hole.img']) {
    const original = statSync(join(source, name));
    const copy = statSync(join(target, 'ws', name));
    assert.equal(copy.size, original.size, name);
    assert.ok(copy.blocks * 512 <= 1024 * 1024, `${name} takes ${copy.blocks * 512} bytes on disk for ${copy.size} apparent`);
    assert.equal(await sha256Of(join(target, 'ws', name)), await sha256Of(join(source, name)), name);
  }
});
