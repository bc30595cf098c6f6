/**
 * Exporting a chunked snapshot as a .tar.gz that GNU tar reads: listed and
 * extracted by tar itself, it matches the source (names that are not UTF-8,
 * paths longer than a tar header holds, modes, mtimes to the second,
 * symlinks wherever they point). The file appears only when whole, and an
 * existing one is replaced only when asked.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { UserError } from '../../src/core/errors';
import { generateIdentity } from '../../src/core/identity/keys';
import { exportArchive } from '../../src/core/restore';
import { FolderChunkSource } from '../helpers/folder-chunk-source';
import { buildSnapshot } from '../helpers/snapshot-builder';
import { tempDir } from '../helpers/temp';
import { listTree } from '../helpers/tree-listing';

const notUtf8 = Buffer.from([0x6e, 0xe9, 0x2e, 0x74, 0x78, 0x74]);
const longFolder = 'a-folder-name-long-enough-that-the-path-does-not-fit-the-hundred-bytes-of-a-tar-header-'.repeat(2);

function writeSource(root: string): void {
  mkdirSync(join(root, 'src', longFolder), { recursive: true });
  writeFileSync(join(root, 'src', 'big.bin'), randomBytes(3 * 1024 * 1024));
  writeFileSync(join(root, 'src', 'empty.txt'), '');
  writeFileSync(join(root, 'src', longFolder, 'deep.txt'), 'deep\n');
  writeFileSync(Buffer.from(`${root}/src/${longFolder}/${notUtf8.toString('latin1')}`, 'latin1'), 'long and not UTF-8\n');
  writeFileSync(Buffer.from(`${root}/${notUtf8.toString('latin1')}`, 'latin1'), 'not UTF-8\n');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(root, 'run.sh'), 0o750);
  symlinkSync('src/big.bin', join(root, 'link-in'));
  symlinkSync('/etc/hostname', join(root, 'link-out'));
}

async function setUp(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  mkdirSync(source);
  writeSource(source);
  const store = new FolderChunkSource(join(dir, 'store'));
  const built = await buildSnapshot({ source, rootName: 'ws', keys: deriveChunkKeys(generateStorageSecret()), identity: generateIdentity(), store, treePieceBytes: 200 });
  return { dir, source, built };
}

test('GNU tar lists and extracts the export, and it matches the source', async (t) => {
  const { dir, source, built } = await setUp(t);
  const archive = join(dir, 'out', 'snapshot.tar.gz');
  mkdirSync(join(dir, 'out'));
  const report = await exportArchive(built.snapshot, archive, { overwrite: false });
  assert.equal(report.files, 6);
  assert.equal(report.symlinks, 2);
  assert.equal(report.bytes, built.manifest.contentBytes);
  assert.deepEqual(readdirSync(join(dir, 'out')), ['snapshot.tar.gz'], 'no temporary file is left');

  const listing = execFileSync('tar', ['-tzvf', archive], { encoding: 'latin1' }).trim().split('\n');
  assert.equal(listing.length, 6 + 2 + 3, listing.join('\n'));
  assert.ok(listing.some((line) => line.includes(`${longFolder}/deep.txt`)), 'a long path is listed whole');

  const extracted = join(dir, 'extracted');
  mkdirSync(extracted);
  execFileSync('tar', ['-xpzf', archive, '-C', extracted]);
  assert.deepEqual(await listTree(join(extracted, 'ws'), { mtimeResolutionMs: 1000 }), await listTree(source, { mtimeResolutionMs: 1000 }));
});

test('one folder exports alone', async (t) => {
  const { dir, source, built } = await setUp(t);
  const archive = join(dir, 'folder.tar.gz');
  await exportArchive(built.snapshot, archive, { overwrite: false, only: Buffer.from(`ws/src/${longFolder}`) });
  const extracted = join(dir, 'extracted');
  mkdirSync(extracted);
  execFileSync('tar', ['-xpzf', archive, '-C', extracted]);
  assert.deepEqual(readdirSync(join(extracted, 'ws', 'src')), [longFolder]);
  const folder = join('src', longFolder);
  assert.deepEqual(await listTree(join(extracted, 'ws', folder), { mtimeResolutionMs: 1000 }), await listTree(join(source, folder), { mtimeResolutionMs: 1000 }));
});

test('an existing file is replaced only when asked, and a damaged snapshot leaves no file', async (t) => {
  const { dir, built } = await setUp(t);
  const archive = join(dir, 'snapshot.tar.gz');
  writeFileSync(archive, 'mine');
  await assert.rejects(exportArchive(built.snapshot, archive, { overwrite: false }), (err: unknown) => err instanceof UserError && err.code === 'conflict');
  assert.equal(readFileSync(archive, 'utf8'), 'mine');
  await exportArchive(built.snapshot, archive, { overwrite: true });
  assert.match(execFileSync('tar', ['-tzf', archive], { encoding: 'latin1' }), /ws\/run\.sh/);

  const broken = { ...built.snapshot, manifest: { ...built.manifest, contentBytes: 1 } };
  const second = join(dir, 'second.tar.gz');
  await assert.rejects(exportArchive(broken, second, { overwrite: false }), (err: unknown) => err instanceof UserError && err.code === 'damaged');
  assert.equal(existsSync(second), false);
  assert.deepEqual(readdirSync(dir).sort(), ['snapshot.tar.gz', 'source', 'store'].sort());
});
