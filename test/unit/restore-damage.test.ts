/**
 * A snapshot that is not as its sender wrote it is refused whole: a flipped
 * byte in a data or tree chunk is 'tampered', a file whose chunks do not add
 * up to its size or a tree holding more content than its manifest records is
 * 'damaged', and in every case the target is left as it was. A listed
 * manifest this machine did not sign is never taken for one of its own.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveChunkKeys, generateStorageSecret } from '../../src/core/chunk/chunk-keys';
import { UserError } from '../../src/core/errors';
import { generateIdentity } from '../../src/core/identity/keys';
import { openListedManifest, restoreToFolder } from '../../src/core/restore';
import { signManifest } from '../../src/core/snapshot/manifest';
import type { TreeEntry } from '../../src/core/snapshot/tree-entry';
import { FolderChunkSource } from '../helpers/folder-chunk-source';
import { buildSnapshot, type BuildOptions } from '../helpers/snapshot-builder';
import { tempDir } from '../helpers/temp';

async function setUp(t: Parameters<typeof tempDir>[0], build: Partial<BuildOptions> = {}) {
  const dir = tempDir(t);
  const source = join(dir, 'source');
  mkdirSync(join(source, 'sub'), { recursive: true });
  writeFileSync(join(source, 'a.txt'), 'first\n');
  writeFileSync(join(source, 'sub', 'big.bin'), randomBytes(2 * 1024 * 1024));
  writeFileSync(join(source, 'z.txt'), 'last\n');
  const store = new FolderChunkSource(join(dir, 'store'));
  const identity = generateIdentity();
  const built = await buildSnapshot({ source, rootName: 'ws', keys: deriveChunkKeys(generateStorageSecret()), identity, store, treePieceBytes: 64, ...build });
  const target = join(dir, 'target');
  mkdirSync(target);
  writeFileSync(join(target, 'already-here.txt'), 'untouched\n');
  return { store, built, target, identity };
}

function flipByteOf(store: FolderChunkSource, id: string): void {
  const path = store.pathOf(id);
  const bytes = readFileSync(path);
  bytes[bytes.length >> 1] ^= 0x01;
  writeFileSync(path, bytes);
}

function assertTargetUntouched(target: string): void {
  assert.deepEqual(readdirSync(target), ['already-here.txt']);
  assert.equal(readFileSync(join(target, 'already-here.txt'), 'utf8'), 'untouched\n');
}

function refusedAs(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof UserError, `a UserError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

test('a flipped byte in a data chunk is refused as tampered, and nothing is left in the target', async (t) => {
  const { store, built, target } = await setUp(t);
  const lastChunk = built.chunksOf.get('ws/sub/big.bin')!.at(-1)!;
  flipByteOf(store, lastChunk);
  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false }), refusedAs('tampered', new RegExp(`Snapshot ${built.manifest.snapshotId}.*chunk ${lastChunk}`)));
  assertTargetUntouched(target);
});

test('a flipped byte in a tree chunk is refused as tampered', async (t) => {
  const { store, built, target } = await setUp(t);
  flipByteOf(store, built.manifest.tree[1]!);
  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false }), refusedAs('tampered', /authentication check/));
  assertTargetUntouched(target);
});

test('a file whose chunks do not add up to its recorded size is refused as damaged', async (t) => {
  const grow = (entry: TreeEntry): TreeEntry => (entry.type === 'file' && entry.path.toString() === 'ws/sub/big.bin' ? { ...entry, size: entry.size + 1 } : entry);
  const { built, target } = await setUp(t, { editEntry: grow });
  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false }), refusedAs('damaged', /ws\/sub\/big\.bin" hold 2097152 bytes, but its tree line records 2097153/));
  assertTargetUntouched(target);
});

test('a file whose chunks hold more than its recorded size is refused before the excess is written', async (t) => {
  const shrink = (entry: TreeEntry): TreeEntry => (entry.type === 'file' && entry.path.toString() === 'ws/a.txt' ? { ...entry, size: 2 } : entry);
  const { built, target } = await setUp(t, { editEntry: shrink });
  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false }), refusedAs('damaged', /ws\/a\.txt" hold more than the 2 bytes/));
  assertTargetUntouched(target);
});

test('a file stored as a slice of a chunk is restored as that slice; a slice running past its chunk is refused as damaged', async (t) => {
  const sliceOfA = (offset: number) => (entry: TreeEntry): TreeEntry => (entry.type === 'file' && entry.path.toString() === 'ws/a.txt' ? { ...entry, size: 4, offset } : entry);
  const fits = await setUp(t, { editEntry: sliceOfA(1) });
  await restoreToFolder(fits.built.snapshot, fits.target, { overwrite: false });
  assert.equal(readFileSync(join(fits.target, 'ws', 'a.txt'), 'utf8'), 'irst');

  const { built, target } = await setUp(t, { editEntry: sliceOfA(3) });
  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false }), refusedAs('damaged', /ws\/a\.txt" is too short for the slice/));
  assertTargetUntouched(target);
});

test('a tree holding more file content than the manifest records is refused as damaged', async (t) => {
  const { built, target } = await setUp(t, { editManifest: (manifest) => ({ ...manifest, contentBytes: manifest.contentBytes - 1 }) });
  await assert.rejects(restoreToFolder(built.snapshot, target, { overwrite: false }), refusedAs('damaged', /more file content than the \d+ bytes its manifest records/));
  assertTargetUntouched(target);
});

test('a tree that ends part way through a line is refused as damaged', async (t) => {
  const { built, target } = await setUp(t);
  const cut = { ...built.snapshot, manifest: { ...built.manifest, tree: built.manifest.tree.slice(0, -1) } };
  await assert.rejects(restoreToFolder(cut, target, { overwrite: false }), refusedAs('damaged', /part way through a line/));
  assertTargetUntouched(target);
});

test('a listed manifest counts as ours only when this machine signed it, unaltered, for the teammate listing it', async (t) => {
  const { built, identity } = await setUp(t);
  const mine = openListedManifest(built.signed, identity, built.manifest.receiver);
  assert.equal(mine.ours, true);
  assert.equal(mine.ours && mine.manifest.snapshotId, built.manifest.snapshotId);

  const stranger = generateIdentity();
  const notMine = openListedManifest(signManifest(stranger, { ...built.manifest, sender: stranger.peerId }), identity);
  assert.equal(notMine.ours, false);

  const statement = Buffer.from(built.signed.statement, 'base64');
  const altered = { ...built.signed, statement: Buffer.from(statement.toString('utf8').replace(/"files":\d+/, '"files":99')).toString('base64') };
  assert.notEqual(altered.statement, built.signed.statement);
  assert.equal(openListedManifest(altered, identity).ours, false);

  const elsewhere = openListedManifest(built.signed, identity, 'ANOTHE-RRECEI-VERPEE-RIDXXX-XXXXXX-XXXXXX');
  assert.equal(elsewhere.ours, false);
  assert.match(!elsewhere.ours ? elsewhere.reason : '', /made for the teammate/);
});
