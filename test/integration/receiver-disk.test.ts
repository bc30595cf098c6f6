/**
 * A receiver whose disk fills up answers 507 'disk-full', worded for the
 * sender ("<peer>'s disk is full"), keeps nothing partial, and never
 * answers a 500 or a broken connection. The disk is a small tmpfs, so the
 * tests need root to mount it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Run } from '../../src/core/store';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, announceAt, holdingLink, makeHome, startReceiverWith, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const notRoot = process.getuid?.() !== 0 ? 'mounting a small tmpfs to fill needs root' : false;

function mountTmpfs(t: TestContext, size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'peer-backup-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  t.after(() => {
    // Lazy, so a receiver still holding a file there cannot keep it mounted.
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes to `dir` until its file system has no byte left. */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

test('a disk that fills up during a pack upload is answered 507 disk-full, and nothing partial remains', { skip: notRoot, timeout: 120_000 }, async (t) => {
  const storage = mountTmpfs(t, '8m');
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '1GB');
  const running = await startReceiverWith(t, receiver.home, registry.url, { storageDir: storage });
  const work = join(tempDir(t), 'big');
  mkdirSync(work);
  writeFileSync6MiB(work);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'big', work, '--dest', receiver.peerId], { env });
  // The pack fits when the receiver checks; the link holds its upload a megabyte in while the disk fills up.
  // Only the pack's connection carries a megabyte.
  const link = await holdingLink(t, running.port, { afterBytes: 1024 * 1024 });
  await announceAt(registry.url, receiver.home, link.port);
  const result = runCli(['run', 'big', '--no-retry'], { env });
  await link.held;
  fill(storage);
  link.release();
  const failed = await result;
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, new RegExp(`${receiver.peerId}'s disk is full: the receiver's disk filled up while storing pack [0-9a-f]{64}; nothing was stored`));
  assert.doesNotMatch(failed.stderr, /EPIPE|ECONNRESET|see its log|internal/);
  const [run] = await runCliJson<Run[]>(['history', 'big'], { env });
  assert.deepEqual([run.status, run.failureStep], ['failed', 'disk-full']);
  // The sender's store holds its empty folders, and no pack, index, snapshot or partial upload.
  const store = join(storage, sender.peerId, 'v2');
  assert.deepEqual(filesUnder(store), []);
  assert.doesNotMatch(running.output(), /"status":500/);
});

test('a receiver whose home disk is full says so, not that it could not prove who it is', { skip: notRoot, timeout: 120_000 }, async (t) => {
  const home = mountTmpfs(t, '16m');
  const registry = await startRegistry(t);
  const sender = await makeHome(t);
  const receiverId = (await runCliJson<{ peerId: string }>(['id', '--home', home])).peerId;
  await allow(home, sender.peerId, '1GB');
  await startReceiverWith(t, home, registry.url);
  fill(home);
  const work = join(tempDir(t), 'small');
  mkdirSync(work);
  writeFileSync6MiB(work);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'small', work, '--dest', receiverId], { env });
  const failed = await runCli(['run', 'small', '--no-retry'], { env });
  assert.equal(failed.code, 1, failed.stderr);
  assert.doesNotMatch(failed.stderr, /could not prove/);
  assert.match(failed.stderr, new RegExp(`${receiverId}'s disk is full`));
  const [run] = await runCliJson<Run[]>(['history', 'small'], { env });
  assert.equal(run.failureStep, 'disk-full');
});

/** The files below `dir`, folders left out; none when it is not there. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name));
}

function writeFileSync6MiB(dir: string): void {
  const fd = openSync(join(dir, 'random.bin'), 'w');
  writeSync(fd, randomBytes(6 * 1024 * 1024));
  closeSync(fd);
}
