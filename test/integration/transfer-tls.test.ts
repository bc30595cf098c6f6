/**
 * What TLS keyed to peer IDs buys, against real processes on loopback: a
 * machine at the registry-given address that cannot prove the teammate's
 * peer ID in the handshake (a relay with its own key, an impostor) gets not
 * one byte of HTTP, and a relay that only passes bytes along sees nothing
 * but ciphertext: no file contents or names, no plan name, no snapshot ID.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect as connectTls, createServer as createTlsServer } from 'node:tls';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import type { Run } from '../../src/core/store';
import { tlsCredentialsOf } from '../../src/core/wire/tls-certificate';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, announceAt, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

interface TlsEndpoint {
  port: number;
  /** Connections clients opened (to shake hands: whether the server sees the end of a handshake the client broke off is a race). */
  connections: number;
  /** Application bytes clients sent, decrypted. */
  decryptedBytes: number;
}

/**
 * A TLS server presenting `identity`'s own certificate, as a machine that
 * took over an address would. With `forwardTo`, it relays what it decrypts
 * to the receiver there, over a TLS connection of its own.
 */
async function tlsEndpoint(t: TestContext, identity: Identity, forwardTo?: number): Promise<TlsEndpoint> {
  const credentials = tlsCredentialsOf(identity);
  const sockets = new Set<Socket>();
  const endpoint = { port: 0, connections: 0, decryptedBytes: 0 };
  const server = createTlsServer({ ...credentials, minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: false }, (client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => (endpoint.decryptedBytes += chunk.length));
    if (forwardTo === undefined) return;
    const upstream = connectTls({ host: '127.0.0.1', port: forwardTo, ...credentials, minVersion: 'TLSv1.3', rejectUnauthorized: false });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  server.on('connection', () => endpoint.connections++);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  endpoint.port = (server.address() as AddressInfo).port;
  return endpoint;
}

/** A TCP relay to `port` that passes every byte along and keeps a copy of each, both ways. */
async function plainRelay(t: TestContext, port: number): Promise<{ port: number; seen: () => Buffer }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const relay = createTcpServer((client) => {
    const upstream = connectTcp(port, '127.0.0.1');
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => relay.close(resolve));
  });
  return { port: (relay.address() as AddressInfo).port, seen: () => Buffer.concat(chunks) };
}

async function setUp(t: TestContext) {
  const registry = await startRegistry(t);
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '100MB');
  const running = await startReceiver(t, receiver.home, registry.url);
  const work = join(tempDir(t), 'quarterly-figures');
  mkdirSync(work);
  // Incompressible: gzip stores it as it is, so without TLS it would cross the wire verbatim.
  const contents = randomBytes(512 * 1024);
  writeFileSync(join(work, 'salaries-confidential.csv'), contents);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'payroll export', work, '--dest', receiver.peerId], { env })).code, 0);
  return { registry, receiver, running, env, contents };
}

test('a relay at the registry-given address that terminates TLS with its own key fails the run as identity-mismatch, and gets no HTTP byte', { timeout: 120_000 }, async (t) => {
  const { registry, receiver, running, env } = await setUp(t);
  const relayIdentity = generateIdentity();
  const relay = await tlsEndpoint(t, relayIdentity, running.port);
  await announceAt(registry.url, receiver.home, relay.port);

  const result = await runCli(['run', 'payroll export', '--no-retry'], { env });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`could not prove it is ${receiver.peerId}: .*127\\.0\\.0\\.1:${relay.port} presented the certificate of peer ID ${relayIdentity.peerId}, not ${receiver.peerId}`));
  const [run] = await runCliJson<Run[]>(['history', 'payroll export'], { env });
  assert.deepEqual([run.status, run.failureStep], ['failed', 'identity-mismatch']);
  assert.ok(relay.connections > 0, 'the sender never reached the relay');
  assert.equal(relay.decryptedBytes, 0, 'the relay received HTTP bytes');
  assert.doesNotMatch(running.output(), /"event":"request"/);
});

test('an impostor with another key gets no application byte after the handshake, for a backup or a listing', { timeout: 120_000 }, async (t) => {
  const { registry, receiver, env } = await setUp(t);
  // A first backup through the real receiver pins its key.
  assert.equal((await runCliJson<Run>(['run', 'payroll export'], { env })).status, 'succeeded');
  const impostorIdentity = generateIdentity();
  const impostor = await tlsEndpoint(t, impostorIdentity);
  await announceAt(registry.url, receiver.home, impostor.port);

  const backup = await runCli(['run', 'payroll export', '--no-retry'], { env });
  assert.equal(backup.code, 1, backup.stderr);
  assert.match(backup.stderr, new RegExp(`127\\.0\\.0\\.1:${impostor.port} presented the certificate of peer ID ${impostorIdentity.peerId}, not ${receiver.peerId}`));
  const listing = await runCli(['snapshots', '--dest', receiver.peerId], { env });
  assert.equal(listing.code, 1, listing.stderr);
  assert.match(listing.stderr, /could not prove it is/);
  assert.ok(impostor.connections >= 2, `${impostor.connections} connections`);
  assert.equal(impostor.decryptedBytes, 0);
});

test('a relay that passes the bytes along sees only ciphertext: no file contents or names, no plan name, no snapshot ID', { timeout: 120_000 }, async (t) => {
  const { registry, receiver, running, env, contents } = await setUp(t);
  const relay = await plainRelay(t, running.port);
  await announceAt(registry.url, receiver.home, relay.port);

  const run = await runCliJson<Run>(['run', 'payroll export'], { env });
  assert.equal(run.status, 'succeeded');
  const listed = await runCliJson<{ snapshotId: string }[]>(['snapshots', '--dest', receiver.peerId], { env });
  assert.deepEqual(listed.map((each) => each.snapshotId), [run.snapshotId]);

  const seen = relay.seen();
  assert.ok(seen.length > contents.length, `the relay carried ${seen.length} bytes: the backup did not go through it`);
  for (let at = 0; at < contents.length; at += 64 * 1024) {
    assert.equal(seen.indexOf(contents.subarray(at, at + 32)), -1, `file contents at offset ${at} crossed the relay in the clear`);
  }
  for (const secret of ['salaries-confidential', 'quarterly-figures', 'payroll export', 'payroll%20export', run.snapshotId!, '/v1/snapshots', 'HTTP/1.1']) {
    assert.equal(seen.indexOf(Buffer.from(secret)), -1, `"${secret}" crossed the relay in the clear`);
  }
});
