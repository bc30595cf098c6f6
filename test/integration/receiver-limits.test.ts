/**
 * The receiver's limits against real processes on loopback: slow or
 * hostile clients cannot hold its connections, a pack over quota is
 * answered, damaged storage (a 0.1 archive or a pack) is answered rather
 * than crashed on, and one storage folder has one receiver.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import type { Run } from '../../src/core/store';
import { tlsCredentialsOf } from '../../src/core/wire/tls-certificate';
import { recordArchiveRun, storeArchiveSnapshot } from '../helpers/archive-store';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, makeHome, startReceiver, startReceiverWith, startRegistry } from '../helpers/peers';
import { withRawDatabase } from '../helpers/raw-database';
import { tempDir } from '../helpers/temp';
import { signedHeaders, tlsSocket } from '../helpers/tls-peer';

test('strangers trickling hello bodies lose their connections at the request deadline, and write no nonces', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const running = await startReceiverWith(t, receiver.home, registry.url, { env: { PEER_BACKUP_RECEIVER_REQUEST_TIMEOUT: '1' } });
  const bodyBytes = 4096;
  const strangers = Array.from({ length: 100 }, () => {
    const identity = generateIdentity();
    return { identity, credentials: tlsCredentialsOf(identity) };
  });
  const clients = strangers.map(({ identity, credentials }) => {
    const body = Buffer.alloc(bodyBytes, 0x20);
    const headers = { 'content-type': 'application/json', 'content-length': String(bodyBytes), host: '127.0.0.1', ...signedHeaders(identity, receiver.peerId, 'POST', '/v1/hello', body) };
    // Each over TLS with its own certificate, as a stranger's receiver software would connect.
    const socket = tlsSocket(running.port, credentials);
    let sent = 0;
    let answer = '';
    socket.write(`POST /v1/hello HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`);
    // One byte of the body every 2 s: 4 KiB would take over two hours.
    const trickle = setInterval(() => {
      if (!socket.writable) return;
      socket.write(' ');
      sent++;
    }, 2_000);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise<{ sent: number; answer: string }>((resolve) =>
      socket.on('close', () => {
        clearInterval(trickle);
        resolve({ sent, answer });
      }),
    );
    t.after(() => {
      clearInterval(trickle);
      socket.destroy();
    });
    return closed;
  });
  // Each socket closes only when the receiver closes it: the test never does before this point.
  const outcomes = await Promise.all(clients);
  for (const outcome of outcomes) assert.ok(outcome.sent < bodyBytes);
  const timedOut = outcomes.filter((outcome) => /^HTTP\/1\.1 408/.test(outcome.answer));
  const turnedAway = outcomes.filter((outcome) => outcome.answer === '');
  // 32 connections per address are served (and time out); the rest are closed as they arrive.
  assert.equal(timedOut.length + turnedAway.length, 100, outcomes.map((outcome) => outcome.answer.slice(0, 40)).join('\n'));
  assert.ok(timedOut.length > 0 && timedOut.length <= 32, `${timedOut.length} answered 408`);
  for (const outcome of timedOut) assert.match(outcome.answer, /"error":"request-timeout"/);

  // None of the strangers' hellos wrote to the owner's database, and the receiver still answers.
  await running.stop();
  const nonces = await withRawDatabase(join(receiver.home, 'peer-backup.db'), (db) => db.get<{ count: number }>('SELECT count(*) AS count FROM seen_nonces'));
  assert.equal(nonces?.count, 0);
});

test('a deleted or cut archive is answered as damaged, the receiver stays up, and its receipt is dropped at the next start', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  const work = join(tempDir(t), 'project');
  mkdirSync(work);
  writeFileSync(join(work, 'random.bin'), randomBytes(256 * 1024));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'nightly', work, '--dest', receiver.peerId], { env });
  // Two archive snapshots as 0.1 stored and recorded them.
  const cut = await storeArchiveSnapshot({ senderHome: sender.home, plan: 'nightly', receiverHome: receiver.home, snapshotId: '20240601T120000Z-1-aaaaaa' });
  const deleted = await storeArchiveSnapshot({ senderHome: sender.home, plan: 'nightly', receiverHome: receiver.home, snapshotId: '20240602T120000Z-2-bbbbbb' });
  for (const snapshot of [cut, deleted]) await recordArchiveRun(sender.home, snapshot);
  const first = await startReceiver(t, receiver.home, registry.url);
  truncateSync(cut.archive, 1000);
  rmSync(deleted.archive);

  const short = await runCli(['restore', cut.snapshotId, '--to', join(tempDir(t), 'a')], { env });
  assert.equal(short.code, 1, short.stderr);
  assert.match(short.stderr, new RegExp(`${receiver.peerId}'s copy is damaged: the archive of snapshot ${cut.snapshotId} on this receiver is 1000 bytes, not the ${cut.receipt.size} bytes of its receipt`));
  const gone = await runCli(['restore', deleted.snapshotId, '--to', join(tempDir(t), 'b')], { env });
  assert.equal(gone.code, 1, gone.stderr);
  assert.match(gone.stderr, new RegExp(`the archive of snapshot ${deleted.snapshotId} is missing from this receiver's storage`));
  assert.doesNotMatch(short.stderr + gone.stderr, /unexpected error|at .*\.js/);
  assert.equal(first.child.exitCode, null, 'the receiver died');

  // Restarted, the receipt of the deleted archive is gone: it is neither listed nor charged.
  await first.stop();
  await startReceiver(t, receiver.home, registry.url);
  assert.ok(!existsSync(deleted.receiptFile));
  const listed = await runCliJson<{ snapshotId: string }[]>(['snapshots', '--dest', receiver.peerId], { env });
  assert.deepEqual(listed.map((each) => each.snapshotId), [cut.snapshotId]);
});

test('a deleted or cut pack is answered as damaged on restore, the receiver stays up and starts again, and the next backup sends the lost chunks again', { timeout: 180_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  const first = await startReceiver(t, receiver.home, registry.url);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  const packs = join(receiver.home, 'storage', sender.peerId, 'v2', 'packs');
  const packFiles = () => (existsSync(packs) ? readdirSync(packs, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.tar')).map((name) => join(packs, name)) : []);
  // Two plans of their own content, so each run sends a pack of its own.
  const backUp = async (plan: string) => {
    const work = join(tempDir(t), plan);
    mkdirSync(work);
    writeFileSync(join(work, 'random.bin'), randomBytes(256 * 1024));
    await runCli(['plan', 'add', plan, work, '--dest', receiver.peerId], { env });
    const before = packFiles();
    const run = await runCliJson<Run>(['run', plan], { env });
    const sent = packFiles().filter((file) => !before.includes(file));
    assert.equal(sent.length, 1, `run of ${plan} sent ${sent.length} packs`);
    return { run, work, pack: sent[0]! };
  };
  const cut = await backUp('cut');
  const deleted = await backUp('deleted');
  truncateSync(cut.pack, 1000);
  rmSync(deleted.pack);

  for (const { run } of [cut, deleted]) {
    const restored = await runCli(['restore', run.snapshotId!, '--to', join(tempDir(t), 'restored')], { env });
    assert.equal(restored.code, 1, restored.stderr);
    assert.match(restored.stderr, new RegExp(`${receiver.peerId}'s copy: ${receiver.peerId}'s answer to a read of \\d+ chunks broke off; nothing from it was used`));
    assert.doesNotMatch(restored.stderr, /unexpected error|at .*\.js/);
  }
  assert.equal(first.child.exitCode, null, 'the receiver died');

  // Restarted, the cut pack is kept and still answered as damaged; the deleted pack's chunks are no longer counted as stored,
  // so the next run finds them missing and sends them again.
  await first.stop();
  await startReceiver(t, receiver.home, registry.url);
  const stillCut = await runCli(['restore', cut.run.snapshotId!, '--to', join(tempDir(t), 'still-cut')], { env });
  assert.equal(stillCut.code, 1, stillCut.stderr);
  assert.match(stillCut.stderr, /broke off; nothing from it was used/);
  const again = await runCliJson<Run>(['run', 'deleted'], { env });
  assert.equal(again.status, 'succeeded');
  const target = join(tempDir(t), 'healed');
  const restored = await runCli(['restore', again.snapshotId!, '--to', target], { env });
  assert.equal(restored.code, 0, restored.stderr);
  assert.equal(spawnSync('diff', ['-r', deleted.work, join(target, 'deleted')]).status, 0);
});

test('a second receiver on the same storage folder is refused, naming the folder and the first', { timeout: 60_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const first = await startReceiver(t, receiver.home, registry.url);
  const second = await runCli(['receive', '--port', '0', '--host', '127.0.0.1', '--registry', registry.url, '--home', receiver.home]);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`the storage folder ${join(receiver.home, 'storage')} is already in use by another receiver \\(process ${first.child.pid}\\)`));
  // Once the first is gone (even killed, leaving its lock behind), the folder is free again.
  await first.stop('SIGKILL');
  await startReceiver(t, receiver.home, registry.url);
});

test('a pack refused for quota arrives as the receiver\'s answer, not as a broken pipe', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '3MB');
  await startReceiver(t, receiver.home, registry.url);
  const work = join(tempDir(t), 'big');
  mkdirSync(work);
  // Incompressible: its pack is larger than the quota, and larger than loopback's socket buffers.
  writeFileSync(join(work, 'random.bin'), randomBytes(4 * 1024 * 1024));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'big', work, '--dest', receiver.peerId], { env });
  const refused = await runCli(['run', 'big', '--no-retry'], { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`Pack [0-9a-f]{64} of this backup does not fit the 3 MiB ${receiver.peerId} grants you: 0 B used, \\d+(\\.\\d)? [KM]iB more needed`));
  assert.doesNotMatch(refused.stderr, /EPIPE|ECONNRESET|broke off/);
  const [run] = await runCliJson<Run[]>(['history', 'big'], { env });
  assert.equal(run.failureStep, 'quota-exceeded');
});
