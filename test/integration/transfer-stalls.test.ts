/**
 * A teammate that stops answering part-way (its receiver frozen with
 * SIGSTOP, so the stall is real and permanent) fails the backup, restore or
 * listing with a retryable 'timed-out' that names the teammate and the step,
 * instead of hanging. A link in front of the receiver holds the sender's
 * bytes at the chosen request (the link sees only TLS, so it picks the
 * request by its connection or by the bytes sent) until the receiver is
 * frozen, so the freeze always lands at that step; the stall watchdog (2 s
 * here) is the only way out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Run } from '../../src/core/store';
import { recordArchiveRun, storeArchiveSnapshot } from '../helpers/archive-store';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, announceAt, holdingLink, makeHome, startReceiver, startRegistry, type HoldAt } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const stallEnv = { PEER_BACKUP_STALL_TIMEOUT: '2' };

async function setUp(t: TestContext) {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '1GB');
  const running = await startReceiver(t, receiver.home, registry.url);
  const work = join(tempDir(t), 'big');
  mkdirSync(work);
  // Incompressible and larger than loopback's socket buffers.
  writeFileSync(join(work, 'random.bin'), randomBytes(8 * 1024 * 1024));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url, ...stallEnv };
  assert.equal((await runCli(['plan', 'add', 'big', work, '--dest', receiver.peerId], { env })).code, 0);
  /** Sends senders through a link that holds their bytes `at` a point; resolves with a step that freezes the receiver there. */
  const freezeAt = async (at: HoldAt) => {
    const link = await holdingLink(t, running.port, at);
    await announceAt(registry.url, receiver.home, link.port);
    return async () => {
      await link.held;
      running.child.kill('SIGSTOP');
      link.release();
    };
  };
  return { receiver, sender, env, freezeAt };
}

test('a receiver frozen mid-upload fails the backup as timed-out, naming the teammate and the step', { timeout: 120_000 }, async (t) => {
  const { receiver, env, freezeAt } = await setUp(t);
  // Frozen once a megabyte of a pack is through: its upload can neither finish nor be answered.
  // Only a pack's connection carries a megabyte.
  const freeze = await freezeAt({ afterBytes: 1024 * 1024 });
  const running = runCli(['run', 'big', '--no-retry'], { env });
  await freeze();
  const result = await running;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`the teammate ${receiver.peerId} stopped answering while uploading pack [0-9a-f]{64} \\(no progress for 2 s\\)`));
  const [run] = await runCliJson<Run[]>(['history', 'big'], { env });
  assert.deepEqual([run.status, run.failureStep], ['failed', 'timed-out']);
});

test('a receiver frozen before it sends a snapshot back fails the restore as timed-out', { timeout: 120_000 }, async (t) => {
  const { receiver, env, freezeAt } = await setUp(t);
  const backup = await runCliJson<Run>(['run', 'big'], { env });
  assert.equal(backup.status, 'succeeded');
  // A restore's third connection, after the hello and the listing, is its first read of chunks.
  const freeze = await freezeAt({ connection: 3 });
  const target = join(tempDir(t), 'restored');
  const running = runCli(['restore', backup.snapshotId!, '--to', target], { env });
  await freeze();
  const result = await running;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`the teammate ${receiver.peerId} stopped answering while reading \\d+ chunks \\(no progress for 2 s\\)`));
  assert.deepEqual(existsSync(target) ? readdirSync(target, { recursive: true }) : [], []);
});

test('a receiver frozen before it sends a 0.1 archive back fails the restore as timed-out', { timeout: 120_000 }, async (t) => {
  const { receiver, sender, env, freezeAt } = await setUp(t);
  const snapshot = await storeArchiveSnapshot({ senderHome: sender.home, plan: 'big', receiverHome: receiver.home });
  await recordArchiveRun(sender.home, snapshot);
  // An archive restore's connections: the hello, the chunked listing, the archive listing, then the download.
  const freeze = await freezeAt({ connection: 4 });
  const running = runCli(['restore', snapshot.snapshotId, '--to', join(tempDir(t), 'restored')], { env });
  await freeze();
  const result = await running;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`the teammate ${receiver.peerId} stopped answering while downloading snapshot ${snapshot.snapshotId} \\(no progress for 2 s\\)`));
  assert.deepEqual(readdirSync(join(sender.home, 'spool')), []);
});

test('a receiver frozen while listing fails the listing as timed-out', { timeout: 120_000 }, async (t) => {
  const { receiver, env, freezeAt } = await setUp(t);
  // The listing's connection follows the hello's.
  const freeze = await freezeAt({ connection: 2 });
  const running = runCli(['snapshots', '--dest', receiver.peerId], { env });
  await freeze();
  const result = await running;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`the teammate ${receiver.peerId} stopped answering while listing the snapshots it holds for us \\(no progress for 2 s\\)`));
});
