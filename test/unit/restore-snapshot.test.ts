/**
 * Restoring a chunked snapshot into a folder: the whole snapshot comes back
 * byte for byte (names that are not UTF-8, modes, mtimes, symlinks, repeated
 * and empty files), one folder or one file comes back alone, reading only the
 * chunks it needs, and what is already in the target stays unless the
 * restore is told to overwrite it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { UserError } from '../../src/core/errors';
import { generateIdentity } from '../../src/core/identity/keys';
import { restoreToFolder } from '../../src/core/restore';
import { FolderChunkSource } from '../helpers/folder-chunk-source';
import { buildSnapshot } from '../helpers/snapshot-builder';
import { tempDir } from '../helpers/temp';
import { listTree } from '../helpers/tree-listing';

const notUtf8 = Buffer.from([0x6e, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "né.txt" in Latin-1

/** A tree with several chunks per file, a repeated file, an empty one, an executable, odd names and symlinks in and out. */
function writeSource(root: string): void {
  mkdirSync(join(root, 'src', 'deep', 'er'), { recursive: true });
  mkdirSync(join(root, 'empty'));
  const big = randomBytes(3 * 1024 * 1024 + 123);
  writeFileSync(join(root, 'src', 'big.bin'), big);
  writeFileSync(join(root, 'src', 'deep', 'copy-of-big.bin'), big);
  writeFileSync(join(root, 'src', 'deep', 'er', 'note.txt'), 'a note\n');
  writeFileSync(join(root, 'src', 'empty.txt'), '');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'run.sh'), 0o750);
  writeFileSync(Buffer.from(`${root}/${notUtf8.toString('latin1')}`, 'latin1'), 'not UTF-8\n');
  writeFileSync(join(root, 'résumé.txt'), 'UTF-8\n');
  symlinkSync('src/deep/er/note.txt', join(root, 'link-in'));
  utimesSync(join(root, 'src', 'deep'), new Date('2021-03-04T05:06:07.891Z'), new Date('2021-03-04T05:06:07.891Z'));
  utimesSync(join(root, 'run.sh'), new Date('2020-01-02T03:04:05.678Z'), new Date('2020-01-02T03:04:05.678Z'));
}

async function setUp(t: Parameters<typeof tempDir>[0], build: Partial<Parameters<typeof buildSnapshot>[0]> = {}) {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  mkdirSync(source);
  writeSource(source);
  const store = new FolderChunkSource(join(dir, 'store'));
  const keys = deriveChunkKeys(generateStorageSecret());
  const built = await buildSnapshot({ source, rootName: 'ws', keys, identity: generateIdentity(), store, treePieceBytes: 97, ...build });
  return { dir, source, store, built, target: join(dir, 'target') };
}

test('the whole snapshot restores byte for byte, reading each chunk once per read and within the read limits', async (t) => {
  const { source, store, built, target } = await setUp(t, { limits: { maxIds: 2, maxBytes: 96 * 1024 * 1024 } });
  const report = await restoreToFolder(built.snapshot, target, { overwrite: false });

  assert.deepEqual(await listTree(join(target, 'ws')), await listTree(source));
  assert.deepEqual(readdirSync(target), ['ws'], 'the staging folder is gone');
  assert.equal(report.files, 7);
  assert.equal(report.symlinks, 1);
  assert.equal(report.directories, 5);
  assert.equal(report.bytes, built.manifest.contentBytes);
  assert.ok(store.reads.length > 3, `small read limits take several reads, got ${store.reads.length}`);
  for (const read of store.reads) assert.ok(read.length <= 2, `a read asked for ${read.length} chunks`);
  const dataIds = [...built.chunksOf.values()].flat();
  assert.ok(dataIds.length > new Set(dataIds).size, 'the snapshot repeats chunks');
});

test('a symlink pointing out of the target is not recreated, and the rest is restored', async (t) => {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  mkdirSync(source);
  writeFileSync(join(source, 'kept.txt'), 'kept\n');
  symlinkSync('/etc/passwd', join(source, 'out'));
  const store = new FolderChunkSource(join(dir, 'store'));
  const built = await buildSnapshot({ source, rootName: 'ws', keys: deriveChunkKeys(generateStorageSecret()), identity: generateIdentity(), store });
  const target = join(dir, 'target');
  const report = await restoreToFolder(built.snapshot, target, { overwrite: false });
  assert.equal(readFileSync(join(target, 'ws', 'kept.txt'), 'utf8'), 'kept\n');
  assert.equal(existsSync(join(target, 'ws', 'out')), false);
  assert.deepEqual(report.refusedLinks.map((link) => link.path), ['ws/out']);
});

test('one folder restores alone, with everything under it, its path given with a trailing slash', async (t) => {
  const { source, built, target } = await setUp(t);
  const report = await restoreToFolder(built.snapshot, target, { overwrite: false, only: Buffer.from('ws/src/deep/') });
  assert.deepEqual(await listTree(join(target, 'ws', 'src', 'deep')), await listTree(join(source, 'src', 'deep')));
  assert.deepEqual(readdirSync(join(target, 'ws')), ['src']);
  assert.deepEqual(readdirSync(join(target, 'ws', 'src')), ['deep']);
  assert.equal(report.files, 2);
});

test('one file restores alone, and only its chunks are read', async (t) => {
  const { source, store, built, target } = await setUp(t);
  const report = await restoreToFolder(built.snapshot, target, { overwrite: false, only: Buffer.from('ws/src/big.bin') });
  assert.deepEqual(readFileSync(join(target, 'ws', 'src', 'big.bin')), readFileSync(join(source, 'src', 'big.bin')));
  assert.deepEqual(readdirSync(join(target, 'ws', 'src')), ['big.bin']);
  assert.equal(report.files, 1);
  const treeIds = new Set(built.manifest.tree);
  const dataRead = store.idsRead.filter((id) => !treeIds.has(id));
  const wanted = built.chunksOf.get('ws/src/big.bin')!;
  assert.ok(wanted.length > 1, 'the file spans several chunks');
  assert.deepEqual(dataRead, wanted);
});

test('a file whose name is not UTF-8 restores alone, under the same bytes', async (t) => {
  const { source, built, target } = await setUp(t);
  await restoreToFolder(built.snapshot, target, { overwrite: false, only: Buffer.concat([Buffer.from('ws/'), notUtf8]) });
  const names = readdirSync(Buffer.from(join(target, 'ws')), { encoding: 'buffer' });
  assert.deepEqual(names, [notUtf8]);
  const path = Buffer.from(`${target}/ws/${notUtf8.toString('latin1')}`, 'latin1');
  assert.deepEqual(readFileSync(path), readFileSync(Buffer.from(`${source}/${notUtf8.toString('latin1')}`, 'latin1')));
});

test('a path the snapshot does not hold is refused as not found', async (t) => {
  const { built, target } = await setUp(t);
  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false, only: Buffer.from('ws/src/missing.txt') }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.code, 'not-found');
    assert.match(err.message, /ws\/src\/missing\.txt/);
    return true;
  });
});

test('an existing file is kept unless the restore may overwrite, and then it is replaced', async (t) => {
  const { source, built, target } = await setUp(t);
  mkdirSync(join(target, 'ws', 'src'), { recursive: true });
  writeFileSync(join(target, 'ws', 'run.sh'), 'mine\n');
  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /run\.sh already exists/);
    return true;
  });
  assert.equal(readFileSync(join(target, 'ws', 'run.sh'), 'utf8'), 'mine\n');
  assert.deepEqual(readdirSync(join(target, 'ws')).sort(), ['run.sh', 'src'], 'nothing else was written');
  assert.deepEqual(readdirSync(join(target, 'ws', 'src')), []);

  await restoreToFolder(built.snapshot, target, { overwrite: true });
  assert.deepEqual(await listTree(join(target, 'ws')), await listTree(source));
});

test('modes come back exactly, whatever bits the umask would take from new files', async (t) => {
  const { source, built, target } = await setUp(t);
  const before = process.umask(0o077);
  t.after(() => process.umask(before));
  await restoreToFolder(built.snapshot, target, { overwrite: false });
  assert.deepEqual(await listTree(join(target, 'ws')), await listTree(source));
  assert.equal(statSync(join(target, 'ws', 'run.sh')).mode & 0o777, 0o750);
  assert.equal(statSync(join(target, 'ws', 'src', 'deep', 'er', 'note.txt')).mode & 0o777, statSync(join(source, 'src', 'deep', 'er', 'note.txt')).mode & 0o777);
});
