/** The registry server in this process, with its clock injected: expiry to the millisecond, and its log lines. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { startTestRegistry } from '../helpers/registry';

test('an entry is served until its expiry and not a millisecond longer', async (t) => {
  let now = Date.now();
  const registry = await startTestRegistry(t, { ttlSeconds: 60, now: () => now });
  const alice = generateIdentity();
  const reply = await new RegistryClient(registry.url).announce(alice, 7001, ['127.0.0.1']);
  assert.equal(reply.expiresAt, now + 60_000);
  const status = async () => (await fetch(`${registry.url}/v2/peers/${alice.peerId}`)).status;

  assert.equal(await status(), 200);
  now = reply.expiresAt - 1;
  assert.equal(await status(), 200);
  now = reply.expiresAt;
  assert.equal(await status(), 404);
});

test('each request is one JSON log line: event, method, path, status, ms, remote, and the peer it was about', { timeout: 10_000 }, async (t) => {
  const registry = await startTestRegistry(t);
  const alice = generateIdentity();
  await new RegistryClient(registry.url).announce(alice, 7001, ['127.0.0.1']);
  await fetch(`${registry.url}/v2/peers/${alice.peerId}`);
  await fetch(`${registry.url}/v2/nothing`);
  // The line is written once the reply is sent, so the client may see the reply first.
  const requestLines = () => registry.logs.filter((entry) => entry.event === 'request');
  while (requestLines().length < 3) await new Promise((resolve) => setImmediate(resolve));

  const requests = requestLines();
  assert.deepEqual(
    requests.map(({ level, method, path, status, peer, remote }) => ({ level, method, path, status, peer, remote })),
    [
      { level: 'info', method: 'POST', path: '/v2/announce', status: 200, peer: alice.peerId, remote: '127.0.0.1' },
      { level: 'info', method: 'GET', path: `/v2/peers/${alice.peerId}`, status: 200, peer: alice.peerId, remote: '127.0.0.1' },
      { level: 'info', method: 'GET', path: '/v2/nothing', status: 404, peer: undefined, remote: '127.0.0.1' },
    ],
  );
  for (const entry of requests) {
    assert.equal(typeof entry.ms, 'number');
    assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  assert.match(String(requests[2].error), /no endpoint GET \/v2\/nothing: the registry has POST \/v2\/announce, GET \/v2\/peers\/PEER-ID and POST \/v2\/reachability/);
});

test('a full table makes room for a new peer by deleting entries expired past the replay window', async (t) => {
  let now = Date.now();
  const registry = await startTestRegistry(t, { ttlSeconds: 60, maxPeers: 1, now: () => now });
  const client = new RegistryClient(registry.url, { now: () => now });
  const alice = generateIdentity();
  const bob = generateIdentity();
  await client.announce(alice, 7001, ['127.0.0.1']);
  await assert.rejects(client.announce(bob, 7002, ['127.0.0.1']), (err: Error) => /holds as many peers as it may \(1\)/.test(err.message));

  now += 60_000 + 10 * 60_000 + 1; // alice's entry expired, and the replay window after it has passed
  await client.announce(bob, 7002, ['127.0.0.1']);
  assert.equal((await fetch(`${registry.url}/v2/peers/${bob.peerId}`)).status, 200);
});

test('a look-up answers with the latest announcement as JSON, also after the same peer was looked up before', async (t) => {
  const registry = await startTestRegistry(t);
  const client = new RegistryClient(registry.url);
  const alice = generateIdentity();
  const lookUp = async () => {
    const response = await fetch(`${registry.url}/v2/peers/${alice.peerId.toLowerCase()}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await response.json()) as { peerId: string; announcement: { payload: string }; lastSeen: number };
    const payload = JSON.parse(Buffer.from(body.announcement.payload, 'base64').toString()) as { addresses: { port: number }[] };
    return { peerId: body.peerId, port: payload.addresses[0].port, lastSeen: body.lastSeen };
  };

  const first = await client.announce(alice, 7001, ['127.0.0.1']);
  assert.deepEqual(await lookUp(), { peerId: alice.peerId, port: 7001, lastSeen: first.lastSeen });
  assert.deepEqual(await lookUp(), { peerId: alice.peerId, port: 7001, lastSeen: first.lastSeen });
  const second = await client.announce(alice, 7002, ['127.0.0.1']);
  assert.deepEqual(await lookUp(), { peerId: alice.peerId, port: 7002, lastSeen: second.lastSeen });
});
