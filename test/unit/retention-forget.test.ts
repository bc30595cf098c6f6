/** Forgetting a snapshot in the receiver's chunked store (injected clock): collected by reference within the grace period, shared and uncommitted packs kept, and the snapshot ceiling. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { UserError } from '../../src/core/errors';
import { generateIdentity } from '../../src/core/identity/keys';
import { ChunkStore, SpaceLedger } from '../../src/core/receive';
import { chunkKeys, packBytes, sha256, testSnapshot, type PackEntryBytes } from '../helpers/chunk-packs';
import { tempDir } from '../helpers/temp';

const quotaBytes = 100 * 1024 * 1024;

async function setUp(t: TestContext) {
  const dir = tempDir(t);
  const receiver = generateIdentity();
  const sender = generateIdentity();
  const space = new SpaceLedger();
  const clock = { now: 1_700_000_000_000 };
  const store = new ChunkStore({ storageDir: dir, identity: receiver, space, now: () => clock.now });
  await store.open();
  const keys = chunkKeys();
  const put = async (entries: PackEntryBytes[]) => {
    const bytes = await packBytes(entries);
    await store.storePack({ sender: sender.peerId, packId: sha256(bytes), length: bytes.length, quotaBytes, body: Readable.from([bytes]) });
    return sha256(bytes);
  };
  const commit = async (snapshotId: string, files: Buffer[], maxSnapshots?: number) => {
    const snapshot = testSnapshot(keys, sender, receiver.peerId, snapshotId, files);
    const pack = await put([snapshot.tree, ...snapshot.data, ...snapshot.references]);
    const outcome = await store.commit({ sender: sender.peerId, senderKey: sender.publicKey, snapshotId, manifest: snapshot.signed, quotaBytes, maxSnapshots });
    assert.ok(outcome.committed);
    return pack;
  };
  const packs = () => {
    const root = join(dir, sender.peerId, 'v2', 'packs');
    return existsSync(root) ? (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[]).filter((name) => name.endsWith('.tar')).map((name) => name.slice(3, -4)).sort() : [];
  };
  return { store, space, sender, clock, keys, put, commit, packs };
}

test('forgetting a snapshot deletes its file and, at once, the packs only it referenced; packs another snapshot needs and uploads not yet committed stay', async (t) => {
  const { store, space, sender, keys, put, commit, packs } = await setUp(t);
  const shared = Buffer.alloc(4000, 7);
  const oldPack = await commit('old', [Buffer.from('only in the old snapshot'), shared]);
  const newPack = await commit('new', [Buffer.from('only in the new snapshot'), shared]);
  // A backup in progress: its pack is stored, its snapshot not yet committed.
  const pending = testSnapshot(keys, sender, 'nobody', 'pending', [Buffer.from('on its way')]);
  const pendingPack = await put(pending.data);
  const before = space.usedBy(sender.peerId);

  const deleted = await store.deleteSnapshot(sender.peerId, 'old');
  assert.equal(deleted.snapshotId, 'old');
  assert.deepEqual((await store.list(sender.peerId)).length, 1);
  // The old pack also holds the shared chunk, which the new snapshot still serves from it: it stays.
  assert.deepEqual(packs(), [oldPack, newPack, pendingPack].sort());
  assert.equal(space.usedBy(sender.peerId), before - deleted.freedBytes);
  assert.equal(deleted.removedPacks, 0);

  const gone = await store.deleteSnapshot(sender.peerId, 'new');
  assert.equal(gone.removedPacks, 2, 'both committed packs go, though stored moments ago');
  assert.deepEqual(packs(), [pendingPack], 'the upload not yet committed keeps its grace period');
  await assert.rejects(store.deleteSnapshot(sender.peerId, 'new'), (err: unknown) => err instanceof UserError && err.code === 'not-found');
});

test('a sender at its snapshot ceiling is refused a new commit, told which of its oldest snapshots to forget', async (t) => {
  const { store, sender, clock, commit } = await setUp(t);
  await commit('first', [Buffer.from('1')], 2);
  clock.now += 1000;
  await commit('second', [Buffer.from('2')], 2);
  clock.now += 1000;
  await assert.rejects(commit('third', [Buffer.from('3')], 2), (err: unknown) => err instanceof UserError && err.code === 'quota-exceeded' && /holds 2: forget one first, e\.g\. the oldest \(first\)/.test(err.message));
  await store.deleteSnapshot(sender.peerId, 'first');
  await commit('third', [Buffer.from('3')], 2);
});
