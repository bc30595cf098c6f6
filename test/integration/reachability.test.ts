/**
 * "Can you reach me" on loopback: a real receiver process asks a real
 * registry to connect back, and says what it learned; the registry connects
 * only to the asker's own address and port, checks the peer ID in the TLS
 * handshake, and limits how often one address may ask.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { generateIdentity } from '../../src/core/identity/keys';
import { UserError } from '../../src/core/errors';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { startCli } from '../helpers/cli';
import { makeHome, startReceiver } from '../helpers/peers';
import { startTestRegistry } from '../helpers/registry';

test('a receiver on loopback is told that teammates can reach it, at the address the registry connected to', { timeout: 60_000 }, async (t) => {
  const registry = await startTestRegistry(t);
  const { home } = await makeHome(t);
  const receiver = await startCli(['receive', '--port', '0', '--host', '127.0.0.1', '--registry', registry.url, '--home', home], /^(Teammates .*|Could not check.*)$/);
  t.after(() => receiver.stop());
  const port = /receiver listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(receiver.output())?.[1];
  assert.equal(receiver.ready, `Teammates can reach you at 127.0.0.1:${port}`);
  const line = registry.logs.find((entry) => entry.path === '/v2/reachability');
  assert.equal(line?.reachable, true);
});

test('the registry reports a port nothing listens on, and a port where another peer answers, as unreachable', { timeout: 60_000 }, async (t) => {
  const registry = await startTestRegistry(t);
  const client = new RegistryClient(registry.url);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const freePort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const nobody = await client.checkReachability(generateIdentity(), freePort);
  assert.deepEqual({ ...nobody, reason: undefined }, { peerId: nobody.peerId, address: { host: '127.0.0.1', port: freePort }, reachable: false, reason: undefined });
  assert.match(nobody.reason ?? '', /the connection was refused/);

  const { home: otherHome } = await makeHome(t);
  const other = await startReceiver(t, otherHome, registry.url);
  const impostor = await client.checkReachability(generateIdentity(), other.port);
  assert.equal(impostor.reachable, false);
  assert.match(impostor.reason ?? '', new RegExp(`it is peer ${(await loadOrCreateIdentity(otherHome)).peerId}, not ${impostor.peerId}`));
});

test('one address may ask only a few times a minute', { timeout: 60_000 }, async (t) => {
  const registry = await startTestRegistry(t, { reachabilityChecksPerMinute: 2 });
  const client = new RegistryClient(registry.url);
  const peer = generateIdentity();
  await client.checkReachability(peer, 1);
  await client.checkReachability(peer, 1);
  await assert.rejects(client.checkReachability(peer, 1), (err) => err instanceof UserError && err.code === 'registry-refused' && /too many reachability checks from 127\.0\.0\.1 \(at most 2 a minute\)/.test(err.message));
});
