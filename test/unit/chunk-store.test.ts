/** The receiver's chunked store on real folders: packs checked and stored once, commits, quota by unique bytes, garbage by an injected clock, and reopening after a crash. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { UserError, type ErrorCode } from '../../src/core/errors';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import { ChunkStore, SpaceLedger } from '../../src/core/receive';
import { receiptSchema } from '../../src/core/wire/receipt';
import { openStatement } from '../../src/core/wire/signing';
import { chunkKeys, packBytes, sha256, testSnapshot, type PackEntryBytes } from '../helpers/chunk-packs';
import { tempDir } from '../helpers/temp';

const hour = 60 * 60 * 1000;
const quotaBytes = 100 * 1024 * 1024;

interface Opened {
  store: ChunkStore;
  space: SpaceLedger;
  dir: string;
  receiver: Identity;
  sender: Identity;
  clock: { now: number };
}

async function openStore(t: TestContext, reuse?: Omit<Opened, 'store' | 'space'>): Promise<Opened & { cleanUp: Awaited<ReturnType<ChunkStore['open']>> }> {
  const dir = reuse?.dir ?? tempDir(t);
  const receiver = reuse?.receiver ?? generateIdentity();
  const sender = reuse?.sender ?? generateIdentity();
  const clock = reuse?.clock ?? { now: Date.now() };
  const space = new SpaceLedger();
  const store = new ChunkStore({ storageDir: dir, identity: receiver, space, now: () => clock.now });
  const cleanUp = await store.open();
  return { store, space, dir, receiver, sender, clock, cleanUp };
}

async function put(opened: Opened, entries: PackEntryBytes[], options: { quota?: number; bytes?: Buffer; packId?: string } = {}) {
  const bytes = options.bytes ?? (await packBytes(entries));
  return opened.store.storePack({
    sender: opened.sender.peerId,
    packId: options.packId ?? sha256(bytes),
    length: bytes.length,
    quotaBytes: options.quota ?? quotaBytes,
    body: Readable.from([bytes]),
  });
}

async function refusedWith(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof UserError && err.code === code && message.test(err.message));
}

/** Every file under the sender's v2 folder, relative to it. */
function filesOf(opened: Opened): string[] {
  const root = join(opened.dir, opened.sender.peerId, 'v2');
  return existsSync(root) ? (readdirSync(root, { recursive: true }) as string[]).filter((name) => statSync(join(root, name)).isFile()).sort() : [];
}

test('a pack is stored once: the same pack again is found, not stored twice, and its chunks are no longer missing', async (t) => {
  const opened = await openStore(t);
  const snapshot = testSnapshot(chunkKeys(), opened.sender, opened.receiver.peerId, 's1', [Buffer.from('one'), Buffer.from('two')]);
  const entries = [snapshot.tree, ...snapshot.data, ...snapshot.references];
  const ids = entries.map((entry) => entry.name.replace(/\.r$/, ''));
  assert.deepEqual(await opened.store.missing(opened.sender.peerId, ids), ids);

  const first = await put(opened, entries);
  assert.deepEqual({ chunks: first.chunks, stored: first.stored }, { chunks: 4, stored: true });
  const used = opened.space.usedBy(opened.sender.peerId);
  assert.equal(used, (await packBytes(entries)).length);
  const again = await put(opened, entries);
  assert.deepEqual({ chunks: again.chunks, stored: again.stored }, { chunks: 4, stored: false });
  assert.equal(opened.space.usedBy(opened.sender.peerId), used);
  assert.deepEqual(await opened.store.missing(opened.sender.peerId, [...ids, 'f'.repeat(64)]), ['f'.repeat(64)]);
  assert.deepEqual(filesOf(opened), [`packs/${first.packId.slice(0, 2)}/${first.packId}.idx`, `packs/${first.packId.slice(0, 2)}/${first.packId}.tar`]);
});

test('a pack that is not what it claims is refused and nothing of it is kept', async (t) => {
  const opened = await openStore(t);
  const snapshot = testSnapshot(chunkKeys(), opened.sender, opened.receiver.peerId, 's1', [Buffer.from('one')]);
  const good = await packBytes([snapshot.tree, ...snapshot.data]);
  await refusedWith(put(opened, [], { bytes: good, packId: 'a'.repeat(64) }), 'bad-input', /SHA-256 is [0-9a-f]{64}, not its name a{64}/);
  await refusedWith(put(opened, [{ name: `${'b'.repeat(64)}.r`, bytes: Buffer.alloc(32, 1) }]), 'bad-input', /reference chunk b{64}\.r does not hash to its name/);
  await refusedWith(put(opened, [{ name: '../escape', bytes: Buffer.alloc(64) }]), 'bad-input', /not named by a chunk ID/);
  await refusedWith(put(opened, [{ name: 'c'.repeat(64), bytes: Buffer.alloc(10) }]), 'bad-input', /is 10 bytes, but a sealed chunk is 30 to/);
  await refusedWith(put(opened, [snapshot.tree, snapshot.tree]), 'bad-input', /holds entry [0-9a-f]{64} twice/);
  await refusedWith(put(opened, [], { bytes: Buffer.concat([good, Buffer.alloc(512)]) }), 'bad-input', /bytes after its end-of-archive/);
  await refusedWith(put(opened, [], { bytes: good.subarray(0, good.length - 1024) }), 'bad-input', /ends before its end-of-archive/);
  assert.deepEqual(filesOf(opened), []);
  assert.equal(opened.space.usedBy(opened.sender.peerId), 0);
});

test('a commit lists what is missing until every chunk is stored, then signs a receipt of version 2; the same manifest gets the same receipt, another one a conflict', async (t) => {
  const opened = await openStore(t);
  const keys = chunkKeys();
  const snapshot = testSnapshot(keys, opened.sender, opened.receiver.peerId, 's1', [Buffer.from('one'), Buffer.from('two')]);
  const commit = (signed = snapshot.signed, snapshotId = 's1') =>
    opened.store.commit({ sender: opened.sender.peerId, senderKey: opened.sender.publicKey, snapshotId, manifest: signed, quotaBytes });

  const before = await commit();
  assert.equal(before.committed, false);
  assert.deepEqual(new Set(!before.committed ? before.missing : []), new Set([snapshot.tree.name, snapshot.references[0]!.name.slice(0, 64)]));
  await put(opened, [snapshot.tree, ...snapshot.references]);
  const half = await commit();
  assert.deepEqual(!half.committed && half.missing.sort(), snapshot.data.map((entry) => entry.name).sort());
  await put(opened, snapshot.data);

  const done = await commit();
  assert.ok(done.committed);
  const receipt = receiptSchema.parse(openStatement(done.signed, opened.receiver.publicKey));
  const storedBytes = [snapshot.tree, ...snapshot.data, ...snapshot.references].reduce((sum, entry) => sum + entry.bytes.length, 0);
  assert.deepEqual({ ...receipt, storedAt: 0 }, {
    version: 2,
    snapshotId: 's1',
    plan: 'nightly',
    sender: opened.sender.peerId,
    receiver: opened.receiver.peerId,
    size: storedBytes,
    sha256: sha256(Buffer.from(snapshot.signed.statement, 'base64')),
    storedAt: 0,
  });
  const again = await commit();
  assert.deepEqual(again.committed && again.signed, done.signed);
  const other = testSnapshot(keys, opened.sender, opened.receiver.peerId, 's1', [Buffer.from('one')]);
  await refusedWith(commit(other.signed), 'conflict', /snapshot s1 is already committed here with another manifest/);
  await refusedWith(commit(snapshot.signed, 's2'), 'bad-input', /names snapshot s1 .* sent as snapshot s2/);
  const stranger = generateIdentity();
  await refusedWith(
    opened.store.commit({ sender: opened.sender.peerId, senderKey: stranger.publicKey, snapshotId: 's1', manifest: snapshot.signed, quotaBytes }),
    'bad-input',
    /not one .* signed/,
  );
  assert.deepEqual(await opened.store.list(opened.sender.peerId), [{ manifest: snapshot.signed, receipt: done.signed }]);
  assert.deepEqual(await opened.store.list(stranger.peerId), []);
});

test('reads are served from pack ranges as a tar GNU tar reads, in the order asked; an unknown chunk is refused before a byte', async (t) => {
  const opened = await openStore(t);
  // The last is incompressible and larger than a piece of the answer, and than one read from a pack.
  const snapshot = testSnapshot(chunkKeys(), opened.sender, opened.receiver.peerId, 's1', [Buffer.alloc(5000, 7), Buffer.from('two'), randomBytes(1536 * 1024)]);
  await put(opened, [snapshot.tree, ...snapshot.data, ...snapshot.references]);
  const names = [snapshot.data[1]!.name, snapshot.data[2]!.name, snapshot.references[0]!.name, snapshot.tree.name];
  const tarFile = join(tempDir(t), 'read.tar');
  const stream = await opened.store.read(opened.sender.peerId, names.map((name) => name.slice(0, 64)));
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(piece as Buffer);
  writeFileSync(tarFile, Buffer.concat(pieces));
  assert.deepEqual(execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).trim().split('\n'), names);
  const out = tempDir(t);
  execFileSync('tar', ['-xf', tarFile, '-C', out]);
  assert.deepEqual(readdirSync(out).sort(), [...names].sort());
  for (const entry of [snapshot.tree, snapshot.data[1]!, snapshot.data[2]!, snapshot.references[0]!]) assert.deepEqual(readFileSync(join(out, entry.name)), entry.bytes);
  await refusedWith(opened.store.read(opened.sender.peerId, [snapshot.tree.name, 'd'.repeat(64)]), 'not-found', /chunk d{64} is not stored here/);
  await refusedWith(opened.store.read(generateIdentity().peerId, [snapshot.tree.name]), 'not-found', /is not stored here/);
});

test('the quota counts unique stored bytes: packs and snapshot files, a repeated pack once', async (t) => {
  const opened = await openStore(t);
  const snapshot = testSnapshot(chunkKeys(), opened.sender, opened.receiver.peerId, 's1', [Buffer.alloc(20_000, 1)]);
  const pack = await packBytes([snapshot.tree, ...snapshot.data, ...snapshot.references]);
  await put(opened, [], { bytes: pack, quota: pack.length });
  await put(opened, [], { bytes: pack, quota: pack.length });
  assert.equal(opened.space.usedBy(opened.sender.peerId), pack.length);
  const other = testSnapshot(chunkKeys(), opened.sender, opened.receiver.peerId, 's2', [Buffer.from('x')]);
  await refusedWith(put(opened, [other.tree], { quota: pack.length }), 'quota-exceeded', /^pack [0-9a-f]{64} \(\d+ bytes\) does not fit the space granted/);
  const committed = await opened.store.commit({ sender: opened.sender.peerId, senderKey: opened.sender.publicKey, snapshotId: 's1', manifest: snapshot.signed, quotaBytes: pack.length + 10_000 });
  assert.ok(committed.committed);
  const snapshotFile = statSync(join(opened.dir, opened.sender.peerId, 'v2', 'snapshots', 's1.json')).size;
  assert.equal(opened.space.usedBy(opened.sender.peerId), pack.length + snapshotFile);
  const reopened = await openStore(t, opened);
  assert.equal(reopened.space.usedBy(opened.sender.peerId), pack.length + snapshotFile);
});

test('garbage: an old pack no snapshot references is deleted, a referenced or young one kept', async (t) => {
  const opened = await openStore(t);
  const keys = chunkKeys();
  const kept = testSnapshot(keys, opened.sender, opened.receiver.peerId, 's1', [Buffer.from('kept')]);
  const keptPack = await put(opened, [kept.tree, ...kept.data, ...kept.references]);
  const unused = testSnapshot(keys, opened.sender, opened.receiver.peerId, 's2', [Buffer.from('never committed')]);
  const unusedBytes = await packBytes([unused.tree, ...unused.data]);
  const unusedPack = await put(opened, [], { bytes: unusedBytes });
  assert.ok((await opened.store.commit({ sender: opened.sender.peerId, senderKey: opened.sender.publicKey, snapshotId: 's1', manifest: kept.signed, quotaBytes })).committed);
  const used = opened.space.usedBy(opened.sender.peerId);

  opened.clock.now += 5 * hour;
  assert.deepEqual(await opened.store.collectGarbage(opened.sender.peerId), { removedPacks: 0, freedBytes: 0 });
  opened.clock.now += 2 * hour;
  assert.deepEqual(await opened.store.collectGarbage(opened.sender.peerId), { removedPacks: 1, freedBytes: unusedBytes.length });
  assert.equal(opened.space.usedBy(opened.sender.peerId), used - unusedBytes.length);
  assert.deepEqual(await opened.store.missing(opened.sender.peerId, [unused.tree.name, kept.tree.name]), [unused.tree.name]);
  const files = filesOf(opened);
  assert.ok(files.includes(`packs/${keptPack.packId.slice(0, 2)}/${keptPack.packId}.tar`));
  assert.ok(!files.some((name) => name.includes(unusedPack.packId)), files.join(', '));
});

test('reopening after a crash: an index without its pack is removed, a pack without its index indexed again, temp files cleared', async (t) => {
  const opened = await openStore(t);
  const snapshot = testSnapshot(chunkKeys(), opened.sender, opened.receiver.peerId, 's1', [Buffer.from('one'), Buffer.from('two')]);
  const stored = await put(opened, [snapshot.tree, ...snapshot.data]);
  const root = join(opened.dir, opened.sender.peerId, 'v2');
  const folder = join(root, 'packs', stored.packId.slice(0, 2));
  const index = join(folder, `${stored.packId}.idx`);
  const indexText = readFileSync(index);
  // A crash between writing an index and publishing its pack; another after publishing a pack, its index lost.
  const orphan = join(root, 'packs', 'ee', `${'e'.repeat(64)}.idx`);
  mkdirSync(join(root, 'packs', 'ee'));
  copyFileSync(index, orphan);
  rmSync(index);
  writeFileSync(join(root, '.tmp', 'upload.part'), 'half a pack');

  const reopened = await openStore(t, opened);
  assert.deepEqual(reopened.cleanUp, { removedTempFiles: 1, removedOrphanIndexes: 1, reindexedPacks: 1, unreadablePacks: 0, removedGarbagePacks: 0 });
  assert.ok(!existsSync(orphan));
  assert.deepEqual(readFileSync(index), indexText);
  assert.deepEqual(readdirSync(join(root, '.tmp')), []);
  assert.deepEqual(await reopened.store.missing(opened.sender.peerId, [snapshot.tree.name, ...snapshot.data.map((entry) => entry.name)]), []);
  assert.equal(reopened.space.usedBy(opened.sender.peerId), statSync(join(folder, `${stored.packId}.tar`)).size);
});
