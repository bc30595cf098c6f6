/** The receiver's storage on a real folder: space reserved before a byte is read, all-or-nothing saves, clean-up after a crash. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { UserError, type ErrorCode } from '../../src/core/errors';
import { generateIdentity } from '../../src/core/identity/keys';
import { SnapshotStorage, snapshotCharge, usageBySender, type SaveRequest } from '../../src/core/receive';
import { diskReserveBytes, SpaceLedger } from '../../src/core/receive/space-ledger';
import { tempDir } from '../helpers/temp';

const sender = generateIdentity().peerId;

async function openStorage(t: TestContext): Promise<SnapshotStorage> {
  const storage = new SnapshotStorage(tempDir(t), generateIdentity(), () => 1_700_000_000_000);
  await storage.init();
  return storage;
}

function request(snapshotId: string, content: Buffer, overrides: Partial<SaveRequest> = {}): SaveRequest {
  return {
    sender,
    snapshotId,
    plan: 'nightly',
    length: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    quotaBytes: 1_000_000,
    body: Readable.from([content]),
    ...overrides,
  };
}

async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err) => err instanceof UserError && err.code === code && message.test(err.message));
}

test('parallel saves are admitted only as far as the quota goes, before any body is read', { timeout: 20_000 }, async (t) => {
  const storage = await openStorage(t);
  const content = Buffer.alloc(1000, 7);
  // Bodies that stay open until the test ends them, so every save is in flight at once.
  const bodies = Array.from({ length: 5 }, () => new PassThrough());
  const quotaBytes = 3 * snapshotCharge(content.length);
  const saves = bodies.map((body, i) => storage.save(request(`snap-${i}`, content, { quotaBytes, body })));
  // Three fit and wait for their bodies; the other two are refused without one.
  const refused: UserError[] = [];
  const admitted = new Set(saves.keys());
  await new Promise<void>((twoRefused) =>
    saves.forEach((save, i) =>
      save.catch((err: UserError) => {
        refused.push(err);
        admitted.delete(i);
        if (refused.length === 2) twoRefused();
      }),
    ),
  );
  for (const err of refused) {
    assert.ok(err instanceof UserError && err.code === 'quota-exceeded', String(err));
    assert.match(err.message, new RegExp(`does not fit the space granted to .*: ${quotaBytes} of ${quotaBytes} bytes are used`));
  }
  for (const i of admitted) bodies[i].end(content);
  const stored = await Promise.all([...admitted].map((i) => saves[i]));
  assert.equal(stored.length, 3);
  assert.equal(storage.usedBy(sender), quotaBytes);
  assert.deepEqual(await usageBySender(storage.dir), new Map([[sender, quotaBytes]]));
});

test('a failed save gives its reserved space back', async (t) => {
  const storage = await openStorage(t);
  const content = Buffer.alloc(1000, 1);
  const quotaBytes = snapshotCharge(content.length);
  await rejectsWithCode(storage.save(request('bad', content, { quotaBytes, sha256: '0'.repeat(64) })), 'bad-input', /SHA-256 is [0-9a-f]{64}, not the 0{64} that was signed/);
  await storage.save(request('good', content, { quotaBytes }));
  assert.equal(storage.usedBy(sender), quotaBytes);
});

test('a body longer or shorter than declared is refused and nothing is stored', async (t) => {
  const storage = await openStorage(t);
  const content = Buffer.alloc(100, 2);
  await rejectsWithCode(storage.save(request('long', content, { length: 99 })), 'bad-input', /longer than the 99 bytes declared/);
  await rejectsWithCode(storage.save(request('short', content, { length: 101 })), 'transfer-failed', /ended after 100 of 101 bytes/);
  const broken = new PassThrough();
  const pending = storage.save(request('broken', content, { body: broken }));
  broken.write(content.subarray(0, 10));
  await once(broken, 'resume'); // the save is reading it
  broken.destroy(new Error('connection reset'));
  await rejectsWithCode(pending, 'transfer-failed', /ended after \d+ of 100 bytes/);
  assert.deepEqual(readdirSync(storage.dir), ['.tmp']);
  assert.deepEqual(readdirSync(join(storage.dir, '.tmp')), []);
  assert.equal(storage.usedBy(sender), 0);
});

test('the same snapshot again gets the same receipt; other content under its ID is a conflict', async (t) => {
  const storage = await openStorage(t);
  const content = Buffer.from('archive bytes');
  const first = await storage.save(request('snap', content));
  assert.equal(first.receipt.size, content.length);
  assert.deepEqual(await storage.save(request('snap', content)), first);
  await rejectsWithCode(storage.save(request('snap', Buffer.from('other bytes'))), 'conflict', /snapshot snap already exists here with other content/);
  assert.deepEqual((await storage.list(sender)).map((each) => each.receipt), [first.receipt]);
  assert.equal(storage.usedBy(sender), snapshotCharge(content.length));
});

test('every snapshot is charged its receipt and overhead, so empty uploads cannot fill a quota for free', async (t) => {
  const storage = await openStorage(t);
  const quotaBytes = 10 * snapshotCharge(0);
  for (let i = 0; i < 10; i++) await storage.save(request(`empty-${i}`, Buffer.alloc(0), { quotaBytes }));
  await rejectsWithCode(storage.save(request('one-more', Buffer.alloc(0), { quotaBytes })), 'quota-exceeded', /does not fit the space granted/);
  assert.equal(storage.usedBy(sender), quotaBytes);
});

test('start-up removes what a crash left: temp files, archives without receipts, half-written receipts, receipts whose archive was deleted', async (t) => {
  const storage = await openStorage(t);
  await storage.save(request('kept', Buffer.alloc(500, 3)));
  writeFileSync(join(storage.dir, '.tmp', 'abc.part'), 'partial upload');
  writeFileSync(join(storage.dir, sender, 'orphan.tar.gz'), 'linked, never receipted');
  writeFileSync(join(storage.dir, sender, '.orphan.receipt.json.1.abcd.part'), '{');
  await storage.save(request('deleted', Buffer.alloc(700, 4)));
  rmSync(join(storage.dir, sender, 'deleted.tar.gz'));
  mkdirSync(join(storage.dir, 'other-sender'));

  const restarted = new SnapshotStorage(storage.dir, generateIdentity());
  assert.deepEqual(await restarted.init(), { removedTempFiles: 1, removedUnreceipted: 1, removedOrphanReceipts: 1 });
  assert.deepEqual(readdirSync(join(storage.dir, sender)).sort(), ['kept.receipt.json', 'kept.tar.gz']);
  assert.equal(restarted.usedBy(sender), snapshotCharge(500));
  assert.deepEqual(await usageBySender(storage.dir), new Map([[sender, snapshotCharge(500)], ['other-sender', 0]]));
});

test('the disk check counts the bytes promised to uploads in flight', () => {
  const ledger = new SpaceLedger();
  const disk = { sender, quotaBytes: 100_000, freeDiskBytes: diskReserveBytes + 1.5 * snapshotCharge(1000), diskBytes: 1e12 };
  const first = ledger.reserve({ ...disk, length: 1000 });
  assert.throws(() => ledger.reserve({ ...disk, length: 1000 }), (err) => err instanceof UserError && err.code === 'disk-full' && /too little for .* more/.test(err.message));
  first.release();
  ledger.reserve({ ...disk, length: 1000 }).commit();
  assert.equal(ledger.usedBy(sender), snapshotCharge(1000));
});
