/**
 * Which version of a path a snapshot holds, from its tree alone: size, mtime
 * and a fingerprint equal for equal content, no data chunk read, and nothing
 * for a path the snapshot does not hold.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { generateIdentity } from '../../src/core/identity/keys';
import { findPathVersion } from '../../src/core/restore';
import { FolderChunkSource } from '../helpers/folder-chunk-source';
import { buildSnapshot } from '../helpers/snapshot-builder';
import { tempDir } from '../helpers/temp';

test('a path\'s version is read from the tree only; equal content gives an equal fingerprint, other content another', async (t) => {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  mkdirSync(join(source, 'src'), { recursive: true });
  const big = randomBytes(2 * 1024 * 1024 + 7);
  writeFileSync(join(source, 'src', 'big.bin'), big);
  writeFileSync(join(source, 'src', 'copy.bin'), big);
  writeFileSync(join(source, 'src', 'other.bin'), randomBytes(100));
  utimesSync(join(source, 'src', 'big.bin'), new Date('2021-03-04T05:06:07.000Z'), new Date('2021-03-04T05:06:07.000Z'));
  const store = new FolderChunkSource(join(dir, 'store'));
  const keys = deriveChunkKeys(generateStorageSecret());
  const { snapshot, manifest, chunksOf } = await buildSnapshot({ source, rootName: 'ws', keys, identity: generateIdentity(), store, treePieceBytes: 61 });

  const bigVersion = await findPathVersion(snapshot, Buffer.from('ws/src/big.bin'));
  assert.ok(bigVersion);
  assert.equal(bigVersion.type, 'file');
  assert.equal(bigVersion.size, big.length);
  assert.equal(bigVersion.mtimeMs, Date.parse('2021-03-04T05:06:07.000Z'));
  assert.equal((await findPathVersion(snapshot, Buffer.from('ws/src/copy.bin')))?.fingerprint, bigVersion.fingerprint, 'the same bytes under another name');
  assert.notEqual((await findPathVersion(snapshot, Buffer.from('ws/src/other.bin')))?.fingerprint, bigVersion.fingerprint);
  assert.equal((await findPathVersion(snapshot, Buffer.from('ws/src/')))?.type, 'directory', 'a trailing slash is ignored');
  assert.equal(await findPathVersion(snapshot, Buffer.from('ws/src/missing.bin')), undefined);
  assert.equal(await findPathVersion(snapshot, Buffer.from('ws/src/big')), undefined, 'a prefix of a name is not the name');

  const dataChunks = new Set([...chunksOf.values()].flat());
  assert.ok(dataChunks.size > 1);
  assert.deepEqual(store.idsRead.filter((id) => dataChunks.has(id)), [], 'no data chunk is read');
  assert.ok(store.idsRead.every((id) => manifest.tree.includes(id)));
});
