/**
 * Issue C's journey through real processes on loopback: one registry, one
 * receiver home, two sender homes; every check reads what is really on disk.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Run } from '../../src/core/store';
import { runCli, runCliJson } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

function storedFiles(receiverHome: string): string[] {
  const storage = join(receiverHome, 'storage');
  if (!existsSync(storage)) return [];
  return readdirSync(storage, { recursive: true, encoding: 'utf8' }).sort();
}

test('back up a tree to an allowed teammate, list it, restore it byte for byte', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  await startReceiver(t, receiver.home, registry.url);

  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['dest', 'add', 'teammate', receiver.peerId], { env })).code, 0);
  assert.equal((await runCli(['plan', 'add', 'nightly', work, '--dest', 'teammate'], { env })).code, 0);

  const run = await runCliJson<Run>(['run', 'nightly'], { env });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.files, 4);
  assert.ok(run.snapshotId);

  // The receiver's copy is a plain tar.gz that GNU tar reads.
  const archive = join(receiver.home, 'storage', sender.peerId, `${run.snapshotId}.tar.gz`);
  const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' });
  for (const name of ['project/src/main.ts', 'project/résumé final.txt', 'project/empty folder/', 'project/link-to-main', '.peer-backup/manifest.json']) {
    assert.ok(listing.split('\n').includes(name), `${name} missing from:\n${listing}`);
  }
  const byTar = tempDir(t);
  execFileSync('tar', ['-xzf', archive, '-C', byTar]);
  assert.equal(spawnSync('diff', ['-r', '--no-dereference', work, join(byTar, 'project')]).status, 0);

  const snapshots = await runCliJson<{ snapshotId: string; plan: string; size: number }[]>(['snapshots', '--plan', 'nightly'], { env });
  assert.deepEqual(snapshots.map((s) => [s.snapshotId, s.plan, s.size]), [[run.snapshotId, 'nightly', run.bytes]]);

  const target = join(tempDir(t), 'restored');
  const restored = await runCli(['restore', run.snapshotId!, '--to', target], { env });
  assert.equal(restored.code, 0, restored.stderr);
  const diff = spawnSync('diff', ['-r', '--no-dereference', work, join(target, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);

  // A second restore into the same folder refuses to overwrite.
  const again = await runCli(['restore', run.snapshotId!, '--to', target], { env });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /overwrite/);

  // The destination's key was pinned at the first handshake.
  const [destination] = await runCliJson<{ publicKey: string | null }[]>(['dest', 'list'], { env });
  assert.ok(destination.publicKey);
});

test('a sender that is not allowed is refused and nothing is stored', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const stranger = await makeHome(t);
  await startReceiver(t, receiver.home, registry.url);
  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: stranger.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'nightly', work, '--dest', receiver.peerId], { env });

  const before = storedFiles(receiver.home);
  const result = await runCli(['run', 'nightly'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /does not allow this machine/);
  assert.deepEqual(storedFiles(receiver.home), before);
  const [run] = await runCliJson<Run[]>(['history', 'nightly'], { env });
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /does not allow/);
});

test('a registry entry pointing at another machine: the sender aborts before sending a byte', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const impostor = await makeHome(t);
  const sender = await makeHome(t);
  await allow(teammate.home, sender.peerId, '10MB');
  await allow(impostor.home, sender.peerId, '10MB'); // even a machine that would accept us must not get the data
  const real = await startReceiver(t, teammate.home, registry.url);
  await real.stop('SIGKILL');
  // The teammate's entry still names this port; someone else now answers there.
  const fake = await startReceiver(t, impostor.home, registry.url, real.port);

  const work = writeFixtureTree(join(tempDir(t), 'project'));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'nightly', work, '--dest', teammate.peerId], { env });
  const result = await runCli(['run', 'nightly'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`could not prove it is ${teammate.peerId}`));
  assert.deepEqual(storedFiles(impostor.home), ['.tmp']);
  assert.doesNotMatch(fake.output(), /"method":"PUT"/);
});

test('a receiver killed mid-upload keeps nothing partial, and the next run succeeds', async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '1GB');
  const first = await startReceiver(t, receiver.home, registry.url);

  const work = join(tempDir(t), 'big');
  mkdirSync(work);
  // Incompressible, so the upload is large enough to interrupt.
  writeFileSync(join(work, 'random.bin'), execFileSync('head', ['-c', String(200 * 1024 * 1024), '/dev/urandom'], { maxBuffer: 300 * 1024 * 1024 }));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'big', work, '--dest', receiver.peerId], { env });

  const tmp = join(receiver.home, 'storage', '.tmp');
  const running = runCli(['run', 'big', '--no-retry'], { env });
  while (!existsSync(tmp) || readdirSync(tmp).length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  await first.stop('SIGKILL');
  const failed = await running;
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /broke off|offline/);

  await startReceiver(t, receiver.home, registry.url, first.port);
  assert.deepEqual(readdirSync(tmp), [], 'temp files survived the restart');
  assert.equal(existsSync(join(receiver.home, 'storage', sender.peerId)) ? readdirSync(join(receiver.home, 'storage', sender.peerId)).length : 0, 0);

  const run = await runCliJson<Run>(['run', 'big'], { env });
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(readdirSync(join(receiver.home, 'storage', sender.peerId)).sort(), [`${run.snapshotId}.receipt.json`, `${run.snapshotId}.tar.gz`]);
});
