/**
 * The receiver's storage on a real folder: the archive snapshots 0.1 stored
 * are listed, served only whole and counted against their quota, what a
 * crash of 0.1 left is cleared at start-up, and the space ledger admits
 * uploads only as far as quota and disk go.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test, type TestContext } from 'node:test';
import { UserError, type ErrorCode } from '../../src/core/errors';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import { SnapshotStorage, usageBySender } from '../../src/core/receive';
import { snapshotCharge } from '../../src/core/receive/snapshot-charge';
import { diskReserveBytes, SpaceLedger } from '../../src/core/receive/space-ledger';
import type { Receipt } from '../../src/core/wire/receipt';
import { signStatement } from '../../src/core/wire/signing';
import { tempDir } from '../helpers/temp';

const sender = generateIdentity().peerId;

/** A storage folder and the receiver identity whose receipts it trusts. */
function storageFolder(t: TestContext): { dir: string; identity: Identity } {
  return { dir: tempDir(t), identity: generateIdentity() };
}

/** Writes an archive and its receipt as 0.1's receiver did, signed by `signer`. */
function storeArchive(dir: string, signer: Identity, snapshotId: string, archive: Buffer, storedAt = 1_700_000_000_000): Receipt {
  const receipt: Receipt = {
    version: 1,
    snapshotId,
    plan: 'nightly',
    sender,
    receiver: signer.peerId,
    size: archive.length,
    sha256: createHash('sha256').update(archive).digest('hex'),
    storedAt,
  };
  mkdirSync(join(dir, sender), { recursive: true });
  writeFileSync(join(dir, sender, `${snapshotId}.tar.gz`), archive);
  writeFileSync(join(dir, sender, `${snapshotId}.receipt.json`), JSON.stringify(signStatement(signer, receipt)));
  return receipt;
}

async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err) => err instanceof UserError && err.code === code && message.test(err.message));
}

test('archive snapshots are listed oldest first, only with a receipt this receiver signed, and each is charged its receipt too', async (t) => {
  const { dir, identity } = storageFolder(t);
  const later = storeArchive(dir, identity, 'later', Buffer.alloc(300, 1), 1_700_000_002_000);
  const earlier = storeArchive(dir, identity, 'earlier', Buffer.alloc(200, 2), 1_700_000_001_000);
  storeArchive(dir, generateIdentity(), 'forged', Buffer.alloc(100, 3));
  const storage = new SnapshotStorage(dir, identity);
  await storage.init();

  assert.deepEqual((await storage.list(sender)).map((each) => each.receipt), [earlier, later]);
  assert.equal(await storage.find(sender, 'forged'), undefined);
  assert.equal(await storage.find(sender, '../escape'), undefined);
  assert.deepEqual(await storage.list(generateIdentity().peerId), []);
  assert.ok((await buffer(await storage.openArchive((await storage.find(sender, 'earlier'))!))).equals(Buffer.alloc(200, 2)));
  // Every archive with a receipt is counted, the forged one too: its bytes are on the disk all the same.
  assert.equal(storage.usedBy(sender), snapshotCharge(300) + snapshotCharge(200) + snapshotCharge(100));
  assert.ok(storage.holdsAnythingFor(sender));
});

test('an archive that was cut or deleted is refused as damaged before a byte is served', async (t) => {
  const { dir, identity } = storageFolder(t);
  storeArchive(dir, identity, 'cut', Buffer.alloc(5000, 1));
  storeArchive(dir, identity, 'deleted', Buffer.alloc(700, 2));
  const storage = new SnapshotStorage(dir, identity);
  await storage.init();
  const cut = (await storage.find(sender, 'cut'))!;
  const deleted = (await storage.find(sender, 'deleted'))!;
  truncateSync(join(dir, sender, 'cut.tar.gz'), 1000);
  rmSync(join(dir, sender, 'deleted.tar.gz'));

  await rejectsWithCode(storage.openArchive(cut), 'damaged', /the archive of snapshot cut on this receiver is 1000 bytes, not the 5000 bytes of its receipt/);
  await rejectsWithCode(storage.openArchive(deleted), 'damaged', /the archive of snapshot deleted is missing from this receiver's storage/);
});

test('start-up removes what a crash of 0.1 left: its temp folder, archives without receipts, half-written receipts, receipts whose archive was deleted', async (t) => {
  const { dir, identity } = storageFolder(t);
  storeArchive(dir, identity, 'kept', Buffer.alloc(500, 3));
  mkdirSync(join(dir, '.tmp'));
  writeFileSync(join(dir, '.tmp', 'abc.part'), 'partial upload');
  writeFileSync(join(dir, sender, 'orphan.tar.gz'), 'linked, never receipted');
  writeFileSync(join(dir, sender, '.orphan.receipt.json.1.abcd.part'), '{');
  storeArchive(dir, identity, 'deleted', Buffer.alloc(700, 4));
  rmSync(join(dir, sender, 'deleted.tar.gz'));
  mkdirSync(join(dir, 'other-sender'));

  const storage = new SnapshotStorage(dir, identity);
  assert.deepEqual(await storage.init(), { removedTempFiles: 1, removedUnreceipted: 1, removedOrphanReceipts: 1 });
  assert.deepEqual(readdirSync(dir).sort(), ['other-sender', sender].sort(), 'the temp folder is gone');
  assert.deepEqual(readdirSync(join(dir, sender)).sort(), ['kept.receipt.json', 'kept.tar.gz']);
  assert.equal(storage.usedBy(sender), snapshotCharge(500));
  assert.deepEqual(await usageBySender(dir), new Map([[sender, snapshotCharge(500)], ['other-sender', 0]]));

  // A storage folder with nothing of 0.1 in it starts clean.
  const fresh = new SnapshotStorage(tempDir(t), identity);
  assert.deepEqual(await fresh.init(), { removedTempFiles: 0, removedUnreceipted: 0, removedOrphanReceipts: 0 });
  assert.equal(fresh.holdsAnythingFor(sender), false);
});

test('parallel reservations are admitted only as far as the quota goes; a released one gives its bytes back', () => {
  const ledger = new SpaceLedger();
  const request = { sender, bytes: 1000, what: 'pack p', quotaBytes: 3000, freeDiskBytes: 1e12, diskBytes: 1e12 };
  const admitted = [ledger.reserve(request), ledger.reserve(request), ledger.reserve(request)];
  assert.throws(
    () => ledger.reserve(request),
    (err) => err instanceof UserError && err.code === 'quota-exceeded' && /^pack p \(1000 bytes\) does not fit the space granted to .*: 3000 of 3000 bytes are used/.test(err.message),
  );
  admitted[0]!.release();
  admitted[1]!.commit();
  admitted[1]!.release(); // after commit(), nothing
  assert.equal(ledger.usedBy(sender), 1000);
  ledger.reserve(request).commit();
  assert.equal(ledger.usedBy(sender), 2000);
});

test('the disk check counts the bytes promised to uploads in flight', () => {
  const ledger = new SpaceLedger();
  const disk = { sender, bytes: 1000, what: 'pack p', quotaBytes: 100_000, freeDiskBytes: diskReserveBytes + 1500, diskBytes: 1e12 };
  const first = ledger.reserve(disk);
  assert.throws(() => ledger.reserve(disk), (err) => err instanceof UserError && err.code === 'disk-full' && /too little for .* more/.test(err.message));
  first.release();
  ledger.reserve(disk).commit();
  assert.equal(ledger.usedBy(sender), 1000);
});
