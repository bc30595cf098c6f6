/**
 * How a restore moves chunks: the next batch is read while the current one
 * is written (two reads at once, never more), many small files come back
 * byte for byte with their modes and mtimes through the side-by-side
 * writes, a small file with a block of zeros keeps its hole, and a failing
 * file leaves nothing behind in the target.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { generateIdentity } from '../../src/core/identity/keys';
import { restoreToFolder, type StoredChunk } from '../../src/core/restore';
import { FolderChunkSource } from '../helpers/folder-chunk-source';
import { buildSnapshot } from '../helpers/snapshot-builder';
import { tempDir } from '../helpers/temp';
import { listTree } from '../helpers/tree-listing';

/** Counts the reads of file content open at once: from the first chunk asked for until the reader lets go. */
class OverlapCountingSource extends FolderChunkSource {
  /** The tree's chunks, whose reads are not counted. */
  treeChunks = new Set<string>();
  open = 0;
  mostOpen = 0;

  override async *read(ids: string[], signal?: AbortSignal): AsyncIterable<StoredChunk> {
    if (ids.some((id) => this.treeChunks.has(id))) {
      yield* super.read(ids, signal);
      return;
    }
    this.open++;
    this.mostOpen = Math.max(this.mostOpen, this.open);
    try {
      yield* super.read(ids, signal);
    } finally {
      this.open--;
    }
  }
}

function writeManySmallFiles(root: string, count: number): void {
  for (let index = 0; index < count; index++) {
    const folder = join(root, `d${index % 7}`);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, `f${index}.txt`);
    writeFileSync(path, randomBytes(index % 5 === 0 ? 0 : 1 + ((index * 37) % 9000)));
    chmodSync(path, index % 3 === 0 ? 0o755 : 0o640);
    const when = new Date(Date.UTC(2020, 0, 1) + index * 1001);
    utimesSync(path, when, when);
  }
}

test('batches are read one ahead of the one being written, and many small files come back byte for byte', async (t) => {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  writeManySmallFiles(source, 400);
  const store = new OverlapCountingSource(join(dir, 'store'));
  const built = await buildSnapshot({
    source,
    rootName: 'ws',
    keys: deriveChunkKeys(generateStorageSecret()),
    identity: generateIdentity(),
    store,
    limits: { maxIds: 16, maxBytes: 96 * 1024 * 1024 },
  });
  store.treeChunks = new Set(built.manifest.tree);
  const target = join(dir, 'target');
  const report = await restoreToFolder(built.snapshot, target, { overwrite: false });

  assert.deepEqual(await listTree(join(target, 'ws')), await listTree(source));
  assert.equal(report.files, 400);
  assert.deepEqual(readdirSync(target), ['ws'], 'the staging folder is gone');
  assert.ok(store.reads.length > 10, `small read limits take many reads, got ${store.reads.length}`);
  assert.equal(store.mostOpen, 2, 'the next batch is asked for while the current one is written, and no further one');
});

test('a small file with a whole block of zeros keeps its hole', async (t) => {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  mkdirSync(source);
  const content = Buffer.concat([randomBytes(4096), Buffer.alloc(256 * 1024), randomBytes(100)]);
  writeFileSync(join(source, 'holey.bin'), content);
  const store = new FolderChunkSource(join(dir, 'store'));
  const built = await buildSnapshot({ source, rootName: 'ws', keys: deriveChunkKeys(generateStorageSecret()), identity: generateIdentity(), store });
  const target = join(dir, 'target');
  await restoreToFolder(built.snapshot, target, { overwrite: false });

  const copy = statSync(join(target, 'ws', 'holey.bin'));
  assert.equal(copy.size, content.length);
  assert.ok(copy.blocks * 512 < 128 * 1024, `the file takes ${copy.blocks * 512} bytes on disk for ${copy.size} apparent`);
  assert.deepEqual(await listTree(join(target, 'ws')), await listTree(source));
});

test('a small file that is in the way fails the restore, and the target keeps only what it had', async (t) => {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  writeManySmallFiles(source, 60);
  const store = new FolderChunkSource(join(dir, 'store'));
  const built = await buildSnapshot({ source, rootName: 'ws', keys: deriveChunkKeys(generateStorageSecret()), identity: generateIdentity(), store });
  const target = join(dir, 'target');
  mkdirSync(join(target, 'ws', 'd3'), { recursive: true });
  writeFileSync(join(target, 'ws', 'd3', 'f31.txt'), 'mine\n');

  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false }), /f31\.txt already exists: pass --overwrite/);
  assert.deepEqual(readdirSync(target), ['ws'], 'the staging folder is gone');
  assert.deepEqual(readdirSync(join(target, 'ws')), ['d3']);
  assert.deepEqual(readdirSync(join(target, 'ws', 'd3')), ['f31.txt']);
});
