/**
 * The receiver's limits against real processes on loopback: slow or
 * hostile clients cannot hold its connections, quotas count what snapshots
 * really take, damaged storage is answered rather than crashed on, and one
 * storage folder has one receiver.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import type { Run } from '../../src/core/store';
import { tlsCredentialsOf } from '../../src/core/wire/tls-certificate';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, announceAt, holdingLink, makeHome, startReceiver, startReceiverWith, startRegistry } from '../helpers/peers';
import { withRawDatabase } from '../helpers/raw-database';
import { tempDir } from '../helpers/temp';
import { signedHeaders, tlsHttp, tlsSocket } from '../helpers/tls-peer';

async function upload(url: string, receiverPeerId: string, sender: Identity, id: string, body: Buffer, plan = 'nightly') {
  const path = `/v1/snapshots/${id}?plan=${encodeURIComponent(plan)}`;
  return (await tlsHttp(sender)).put(`${url}${path}`, body, { headers: { 'content-type': 'application/gzip', ...signedHeaders(sender, receiverPeerId, 'PUT', path, body) } });
}

test('strangers trickling hello bodies lose their connections at the request deadline, and write no nonces', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const running = await startReceiverWith(t, receiver.home, registry.url, { env: { PEER_BACKUP_RECEIVER_REQUEST_TIMEOUT: '1' } });
  const bodyBytes = 4096;
  const strangers = await Promise.all(Array.from({ length: 100 }, async () => {
    const identity = generateIdentity();
    return { identity, credentials: await tlsCredentialsOf(identity) };
  }));
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

test('each snapshot is charged its receipt too: a quota fills up with empty uploads long before the disk does', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = generateIdentity();
  await allow(receiver.home, sender.peerId, '40KB');
  const running = await startReceiver(t, receiver.home, registry.url);
  const url = `https://127.0.0.1:${running.port}`;
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) statuses.push((await upload(url, receiver.peerId, sender, `empty-${i}`, Buffer.alloc(0))).status);
  const stored = statuses.filter((status) => status === 201).length;
  // 4 KiB each: at most 10 in 40 KB, where 20 once fitted for nothing.
  assert.ok(stored > 0 && stored <= 10, `${stored} empty snapshots were stored in a 40 KB quota`);
  assert.ok(statuses.slice(stored).every((status) => status === 507), statuses.join(' '));
});

test('a plan name outside the plan alphabet or over 128 characters is refused', { timeout: 60_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = generateIdentity();
  await allow(receiver.home, sender.peerId, '1MB');
  const running = await startReceiver(t, receiver.home, registry.url);
  const url = `https://127.0.0.1:${running.port}`;
  for (const plan of ['p'.repeat(129), 'a/b', '../x', 'a\nb']) {
    const response = await upload(url, receiver.peerId, sender, 'snap', Buffer.alloc(10), plan);
    assert.deepEqual([response.status, response.data.error], [400, 'bad-request'], plan);
  }
  assert.equal((await upload(url, receiver.peerId, sender, 'snap', Buffer.alloc(10), 'résumé nightly 2')).status, 201);
});

test('a deleted or cut archive is answered as damaged, the receiver stays up, and its receipt is dropped at the next start', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  const first = await startReceiver(t, receiver.home, registry.url);
  const work = join(tempDir(t), 'project');
  mkdirSync(work);
  writeFileSync(join(work, 'random.bin'), randomBytes(256 * 1024));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'nightly', work, '--dest', receiver.peerId], { env });
  const cut = await runCliJson<Run>(['run', 'nightly'], { env });
  const deleted = await runCliJson<Run>(['run', 'nightly'], { env });
  const folder = join(receiver.home, 'storage', sender.peerId);
  truncateSync(join(folder, `${cut.snapshotId}.tar.gz`), 1000);
  rmSync(join(folder, `${deleted.snapshotId}.tar.gz`));

  const short = await runCli(['restore', cut.snapshotId!, '--to', join(tempDir(t), 'a')], { env });
  assert.equal(short.code, 1, short.stderr);
  assert.match(short.stderr, new RegExp(`${receiver.peerId}'s copy is damaged: the archive of snapshot ${cut.snapshotId} on this receiver is 1000 bytes, not the \\d+ bytes of its receipt`));
  const gone = await runCli(['restore', deleted.snapshotId!, '--to', join(tempDir(t), 'b')], { env });
  assert.equal(gone.code, 1, gone.stderr);
  assert.match(gone.stderr, new RegExp(`the archive of snapshot ${deleted.snapshotId} is missing from this receiver's storage`));
  assert.doesNotMatch(short.stderr + gone.stderr, /unexpected error|at .*\.js/);
  assert.equal(first.child.exitCode, null, 'the receiver died');

  // Restarted, the receipt of the deleted archive is gone: it is neither listed nor charged.
  await first.stop();
  await startReceiver(t, receiver.home, registry.url);
  assert.ok(!readdirSync(folder).includes(`${deleted.snapshotId}.receipt.json`));
  const listed = await runCliJson<{ snapshotId: string }[]>(['snapshots', '--dest', receiver.peerId], { env });
  assert.ok(!listed.some((each) => each.snapshotId === deleted.snapshotId));
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

test('an upload refused after the hello said it fits arrives as the receiver\'s answer, not as a broken pipe', { timeout: 120_000 }, async (t) => {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '6MB');
  const running = await startReceiver(t, receiver.home, registry.url);
  const work = join(tempDir(t), 'big');
  mkdirSync(work);
  writeFileSync(join(work, 'random.bin'), randomBytes(4 * 1024 * 1024));
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  await runCli(['plan', 'add', 'big', work, '--dest', receiver.peerId], { env });
  // The upload (the run's second connection, after the hello) is held before its first byte while the quota fills up behind the hello's back.
  const link = await holdingLink(t, running.port, { connection: 2 });
  await announceAt(registry.url, receiver.home, link.port);
  const result = runCli(['run', 'big', '--no-retry'], { env });
  await link.held;
  // The sender's own key, as another of its windows would use it.
  const filler = await upload(`https://127.0.0.1:${running.port}`, receiver.peerId, await loadOrCreateIdentity(sender.home), 'filler', randomBytes(3 * 1024 * 1024));
  assert.equal(filler.status, 201);
  link.release();
  const refused = await result;
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /does not fit the space granted/);
  assert.doesNotMatch(refused.stderr, /EPIPE|ECONNRESET|broke off/);
  const [run] = await runCliJson<Run[]>(['history', 'big'], { env });
  assert.equal(run.failureStep, 'quota-exceeded');
});
