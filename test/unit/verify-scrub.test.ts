/** The receiver's scrub: every pack re-hashed, each snapshot told the damaged packs it depends on. */
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { ChunkStore, SpaceLedger } from '../../src/core/receive';
import { chunkKeys, packBytes, sha256, testSnapshot } from '../helpers/chunk-packs';
import { tempDir } from '../helpers/temp';

test('a flipped byte in a stored pack is found by the scrub and names the snapshots that depend on it, and only those', async (t) => {
  const dir = tempDir(t);
  const receiver = generateIdentity();
  const sender = generateIdentity();
  const store = new ChunkStore({ storageDir: dir, identity: receiver, space: new SpaceLedger() });
  await store.open();
  const keys = chunkKeys();
  const packOf: Record<string, string> = {};
  for (const [snapshotId, content] of [['a', 'first'], ['b', 'second']] as const) {
    const snapshot = testSnapshot(keys, sender, receiver.peerId, snapshotId, [Buffer.alloc(10_000, content)]);
    const bytes = await packBytes([snapshot.tree, ...snapshot.data, ...snapshot.references]);
    packOf[snapshotId] = sha256(bytes);
    await store.storePack({ sender: sender.peerId, packId: sha256(bytes), length: bytes.length, quotaBytes: 1e9, body: Readable.from([bytes]) });
    assert.ok((await store.commit({ sender: sender.peerId, senderKey: sender.publicKey, snapshotId, manifest: snapshot.signed, quotaBytes: 1e9 })).committed);
  }
  const clean = await store.scrub(sender.peerId);
  assert.deepEqual(clean, { packsChecked: 2, damagedPacks: [], snapshots: [{ snapshotId: 'a', damagedPacks: [] }, { snapshotId: 'b', damagedPacks: [] }] });

  const packs = join(dir, sender.peerId, 'v2', 'packs');
  const file = join(packs, readdirSync(packs, { recursive: true, encoding: 'utf8' }).find((name) => name.endsWith(`${packOf.b}.tar`))!);
  const fd = openSync(file, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, 2000);
  writeSync(fd, Buffer.from([byte[0]! ^ 0x80]), 0, 1, 2000);
  closeSync(fd);

  const found = await store.scrub(sender.peerId);
  assert.deepEqual(found.damagedPacks, [packOf.b]);
  assert.deepEqual(found.snapshots, [
    { snapshotId: 'a', damagedPacks: [] },
    { snapshotId: 'b', damagedPacks: [packOf.b] },
  ]);
});
