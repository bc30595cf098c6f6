/**
 * The registry as users run it: `peer-backup registry` as a real process on a
 * loopback port with a real SQLite file, and two homes (two identities).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import { signAnnouncement } from '../../src/core/registry/announcement';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { runCli, runCliJson, startCli, type LongRunning } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

const ready = /^registry listening on (http:\/\/127\.0\.0\.1:\d+)$/;

interface Registry extends LongRunning {
  url: string;
}

async function startRegistry(t: TestContext, dbFile: string, ...extra: string[]): Promise<Registry> {
  const home = tempDir(t);
  const running = await startCli(['registry', '--port', '0', '--host', '127.0.0.1', '--db', dbFile, '--home', home, ...extra], ready);
  t.after(() => running.stop());
  return { ...running, url: running.ready };
}

/** A home made by the CLI, and its identity as the CLI sees it. */
async function home(t: TestContext): Promise<{ identity: Identity; shown: { peerId: string; publicKey: string } }> {
  const dir = tempDir(t);
  const shown = await runCliJson<{ peerId: string; publicKey: string }>(['id', '--home', dir]);
  return { identity: await loadOrCreateIdentity(dir), shown };
}

async function request(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: { error?: string; message?: string } & Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as never };
}

/** Signs `payload` as given, so tests can send announcements the client never would. */
function signRaw(signer: Identity, payload: object): { payload: string; signature: string } {
  const bytes = Buffer.from(JSON.stringify(payload));
  return { payload: bytes.toString('base64'), signature: signer.sign(bytes).toString('base64') };
}

function post(url: string, body: unknown): ReturnType<typeof request> {
  return request(`${url}/v2/announce`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Posts an announcement from `localAddress` (another loopback address), as a machine elsewhere would. */
function postFrom(localAddress: string, url: string, body: unknown): Promise<{ status: number; body: { error?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(`${url}/v2/announce`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) as never }));
    });
    sent.on('error', reject);
    sent.end(JSON.stringify(body));
  });
}

test('two peers announce, and each look-up returns that peer\'s own key and port', { timeout: 30_000 }, async (t) => {
  const registry = await startRegistry(t, join(tempDir(t), 'registry.db'));
  const alice = await home(t);
  const bob = await home(t);
  const client = new RegistryClient(registry.url);
  await client.announce(alice.identity, 7001, ['127.0.0.1']);
  await client.announce(bob.identity, 7002, ['127.0.0.1']);

  const foundAlice = await new RegistryClient(registry.url).lookup(alice.shown.peerId);
  const foundBob = await new RegistryClient(registry.url).lookup(bob.shown.peerId);
  assert.equal(foundAlice.publicKey, alice.shown.publicKey);
  assert.deepEqual(foundAlice.addresses, [{ host: '127.0.0.1', port: 7001 }]);
  assert.equal(foundBob.publicKey, bob.shown.publicKey);
  assert.deepEqual(foundBob.addresses, [{ host: '127.0.0.1', port: 7002 }]);

  // The log line is written after the reply, so it may still be on its way.
  const lookupLines = () => registry.output().split('\n').filter((line) => line.includes('"GET"'));
  while (lookupLines().length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(registry.output().split('\n')[0], ready, 'the ready line is not the first line');
  const lookups = lookupLines().map((line) => JSON.parse(line));
  assert.deepEqual(
    lookups.map((entry) => [entry.event, entry.status, entry.peer, entry.remote, typeof entry.ms]),
    [
      ['request', 200, alice.shown.peerId, '127.0.0.1', 'number'],
      ['request', 200, bob.shown.peerId, '127.0.0.1', 'number'],
    ],
  );
});

test('forged, replayed and tampered announcements are refused and leave the entry as it was', async (t) => {
  const registry = await startRegistry(t, join(tempDir(t), 'registry.db'));
  const x = (await home(t)).identity;
  const y = (await home(t)).identity;
  const older = signAnnouncement(x, [{ host: '127.0.0.1', port: 7001 }], Date.now() - 1000);
  assert.equal((await post(registry.url, older)).status, 200);
  const newer = signAnnouncement(x, [{ host: '127.0.0.1', port: 7002 }], Date.now());
  assert.equal((await post(registry.url, newer)).status, 200);
  const before = await request(`${registry.url}/v2/peers/${x.peerId}`);
  assert.deepEqual(before.body.announcement, newer, 'the registry does not hand on the announcement byte for byte');

  const addresses = [{ host: '127.0.0.1', port: 6666 }];
  const forgedWithYsKey = signRaw(y, { version: 2, peerId: x.peerId, publicKey: y.publicKey.toString('base64'), addresses, time: Date.now() });
  const forgedWithXsKey = signRaw(y, { version: 2, peerId: x.peerId, publicKey: x.publicKey.toString('base64'), addresses, time: Date.now() });
  const tamperedText = Buffer.from(newer.payload, 'base64').toString().replace('"port":7002', '"port":6666');
  const tampered = { ...newer, payload: Buffer.from(tamperedText).toString('base64') };

  const forged1 = await post(registry.url, forgedWithYsKey);
  assert.equal(forged1.status, 403);
  assert.match(forged1.body.message!, /is not the hash of the public key sent/);
  const forged2 = await post(registry.url, forgedWithXsKey);
  assert.equal(forged2.status, 403);
  assert.match(forged2.body.message!, /signature does not match/);
  const replayed = await post(registry.url, older);
  assert.equal(replayed.status, 409);
  assert.match(replayed.body.message!, /at least as new is already stored: this one is a replay/);
  assert.equal((await post(registry.url, newer)).status, 409, 'the same announcement was accepted twice');
  const altered = await post(registry.url, tampered);
  assert.equal(altered.status, 403);
  assert.equal(altered.body.error, 'unauthentic-announcement');

  const after = await request(`${registry.url}/v2/peers/${x.peerId}`);
  assert.deepEqual(after.body, before.body);
  assert.deepEqual((await new RegistryClient(registry.url).lookup(x.peerId)).addresses, [{ host: '127.0.0.1', port: 7002 }]);
});

test('a captured announcement relayed first from another address cannot change the signed addresses: it sets the hint at most, and later copies are stale', async (t) => {
  const registry = await startRegistry(t, join(tempDir(t), 'registry.db'));
  const alice = (await home(t)).identity;
  const signed = [{ host: '127.0.0.1', port: 7001 }];
  const start = Date.now();
  const first = signAnnouncement(alice, signed, start - 1000);
  assert.equal((await post(registry.url, first)).status, 200);
  const lookup = () => new RegistryClient(registry.url).lookup(alice.peerId);
  assert.equal((await lookup()).observed, undefined);

  // The peer's next announcement, captured on its way and relayed first from 127.0.0.2.
  const captured = signAnnouncement(alice, signed, start);
  assert.equal((await postFrom('127.0.0.2', registry.url, captured)).status, 200);
  const relayed = await lookup();
  assert.deepEqual(relayed.addresses, signed);
  assert.deepEqual(relayed.observed, { host: '127.0.0.2', port: 7001 });

  for (const [source, body] of [['127.0.0.1', captured], ['127.0.0.3', captured], ['127.0.0.3', first]] as const) {
    const replayed = await postFrom(source, registry.url, body);
    assert.equal(replayed.status, 409, `${source}: ${JSON.stringify(replayed.body)}`);
    assert.equal(replayed.body.error, 'stale-announcement');
  }
  assert.deepEqual(await lookup(), relayed);

  // The peer's own next announcement takes the hint back.
  assert.equal((await post(registry.url, signAnnouncement(alice, signed, start + 1))).status, 200);
  const announced = await lookup();
  assert.deepEqual(announced.addresses, signed);
  assert.equal(announced.observed, undefined);
});

test('bad requests each get a 4xx with a clear JSON message, and the registry keeps serving', async (t) => {
  const registry = await startRegistry(t, join(tempDir(t), 'registry.db'));
  const alice = (await home(t)).identity;
  await new RegistryClient(registry.url).announce(alice, 7001, ['127.0.0.1']);
  const typo = alice.peerId.replace(/^./, (char) => (char === 'A' ? 'C' : 'A'));

  const cases: [string, Promise<Awaited<ReturnType<typeof request>>>, number, RegExp][] = [
    ['short ID', request(`${registry.url}/v2/peers/ABC-DEF`), 400, /"ABC-DEF" is not a peer ID: a peer ID has 36 letters/],
    ['mistyped ID', request(`${registry.url}/v2/peers/${typo}`), 400, /has a typo/],
    ['stray character', request(`${registry.url}/v2/peers/${'A'.repeat(35)}9`), 400, /"9" never appears in one/],
    ['oversized body', post(registry.url, { payload: 'A'.repeat(40_000), signature: 'AAAA' }), 413, /the body is over 8192 bytes/],
    ['not JSON', post(registry.url, 'payload=1&signature=2'), 400, /the body is not JSON/],
    ['missing fields', post(registry.url, { payload: 'AAAA' }), 400, /signature: Invalid input: expected string, received undefined/],
    ['wrong version', post(registry.url, signRaw(alice, { version: 1, peerId: alice.peerId, publicKey: alice.publicKey.toString('base64'), addresses: [{ host: '127.0.0.1', port: 1 }], time: Date.now() })), 400, /unsupported version: this registry speaks version 2; update Peer Backup/],
    ['empty host', post(registry.url, signRaw(alice, { version: 2, peerId: alice.peerId, publicKey: alice.publicKey.toString('base64'), addresses: [{ host: '', port: 1 }], time: Date.now() })), 400, /addresses\.0\.host: must be an explicit IP address: "", 0\.0\.0\.0 and :: are refused since version 2, so list the addresses this machine can be reached on/],
    ['multicast address', post(registry.url, signAnnouncement(alice, [{ host: '127.0.0.1', port: 1 }, { host: '224.0.0.251', port: 1 }], Date.now())), 400, /addresses\.1: 224\.0\.0\.251 is a multicast address, never a peer's/],
    ['wrong method', request(`${registry.url}/v2/announce`), 405, /GET is not allowed on \/v2\/announce: use POST/],
    ['version 1 path', request(`${registry.url}/v1/peers/${alice.peerId}`), 404, /no endpoint GET \/v1\/peers\/.*: the registry has POST \/v2\/announce, GET \/v2\/peers\/PEER-ID and POST \/v2\/reachability/],
    ['huge header', request(`${registry.url}/v2/peers/${alice.peerId}`, { headers: { 'x-filler': 'a'.repeat(16 * 1024) } }), 431, /headers are over 8 KB/],
  ];
  for (const [name, pending, status, message] of cases) {
    const reply = await pending;
    assert.equal(reply.status, status, `${name}: ${JSON.stringify(reply.body)}`);
    assert.equal(typeof reply.body.error, 'string', name);
    assert.match(reply.body.message ?? '', message, name);
  }
  const still = await new RegistryClient(registry.url).lookup(alice.peerId);
  assert.deepEqual(still.addresses, [{ host: '127.0.0.1', port: 7001 }]);
  assert.equal(registry.child.exitCode, null);
});

test('--ttl sets how long an entry lives: the reply says so, and the entry goes once it has passed', { timeout: 30_000 }, async (t) => {
  const registry = await startRegistry(t, join(tempDir(t), 'registry.db'), '--ttl', '1');
  const alice = (await home(t)).identity;
  const reply = await new RegistryClient(registry.url).announce(alice, 7001, ['127.0.0.1']);
  assert.equal(reply.reannounceAfter, 1);
  assert.equal(reply.expiresAt - reply.lastSeen, 1000);
  // The real clock decides when; this only waits for it. registry-server.test.ts checks the boundary with an injected clock.
  let lookup = await request(`${registry.url}/v2/peers/${alice.peerId}`);
  while (lookup.status === 200) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    lookup = await request(`${registry.url}/v2/peers/${alice.peerId}`);
  }
  assert.equal(lookup.status, 404);
  assert.equal(lookup.body.error, 'peer-not-registered');
});

test('after a restart the registry still serves unexpired entries', async (t) => {
  const dbFile = join(tempDir(t), 'registry.db');
  const alice = await home(t);
  const first = await startRegistry(t, dbFile);
  const announced = await new RegistryClient(first.url).announce(alice.identity, 7001, ['127.0.0.1']);
  assert.equal(await first.stop('SIGTERM'), 0, first.output());
  assert.match(first.output(), /"event":"stopped","signal":"SIGTERM"/);

  const second = await startRegistry(t, dbFile);
  const found = await new RegistryClient(second.url).lookup(alice.shown.peerId);
  assert.equal(found.publicKey, alice.shown.publicKey);
  assert.deepEqual(found.addresses, announced.addresses);
  assert.equal(found.lastSeen, announced.lastSeen);
  assert.equal(await second.stop('SIGINT'), 0);
});

test('too many requests from one address get 429 with Retry-After', async (t) => {
  const registry = await startRegistry(t, join(tempDir(t), 'registry.db'), '--rate-limit', '3');
  const { peerId } = (await home(t)).identity;
  for (let i = 0; i < 3; i++) assert.equal((await request(`${registry.url}/v2/peers/${peerId}`)).status, 404);
  const limited = await request(`${registry.url}/v2/peers/${peerId}`);
  assert.equal(limited.status, 429);
  assert.match(limited.body.message!, /too many requests from 127\.0\.0\.1 \(at most 3 a minute\): retry in \d+ s/);
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
});

/** Announces `signer` straight to the registry, so a test can read the refusal the client would turn into an error. */
function announceRaw(url: string, signer: Identity, port: number): ReturnType<typeof request> {
  return post(url, signAnnouncement(signer, [{ host: '127.0.0.1', port }], Date.now()));
}

test('--max-peers bounds the table: a new peer gets 503 with Retry-After, and the peers it holds still announce', async (t) => {
  const registry = await startRegistry(t, join(tempDir(t), 'registry.db'), '--max-peers', '2');
  const [alice, bob, carol] = [generateIdentity(), generateIdentity(), generateIdentity()];
  assert.equal((await announceRaw(registry.url, alice, 7001)).status, 200);
  assert.equal((await announceRaw(registry.url, bob, 7002)).status, 200);

  const refused = await announceRaw(registry.url, carol, 7003);
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error, 'registry-full');
  assert.match(refused.body.message!, /holds as many peers as it may \(2\).*--max-peers/);
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  assert.equal((await request(`${registry.url}/v2/peers/${carol.peerId}`)).status, 404);

  assert.equal((await announceRaw(registry.url, alice, 7011)).status, 200, 'a peer already held is never refused');
});

test('--max-new-peers-per-minute caps new peer IDs from all addresses; re-announcements are not counted', async (t) => {
  const registry = await startRegistry(t, join(tempDir(t), 'registry.db'), '--max-new-peers-per-minute', '2');
  const [alice, bob, carol] = [generateIdentity(), generateIdentity(), generateIdentity()];
  assert.equal((await announceRaw(registry.url, alice, 7001)).status, 200);
  assert.equal((await announceRaw(registry.url, alice, 7001)).status, 200);
  assert.equal((await announceRaw(registry.url, bob, 7002)).status, 200);

  const refused = await announceRaw(registry.url, carol, 7003);
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error, 'too-many-new-peers');
  assert.match(refused.body.message!, /at most 2 a minute\): retry in \d+ s/);
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
  assert.equal((await announceRaw(registry.url, bob, 7012)).status, 200, 'a peer already held is never refused');
});

test('start-up problems are one line naming the port or file, and a non-zero exit', async (t) => {
  const dir = tempDir(t);
  const running = await startRegistry(t, join(dir, 'registry.db'));
  const port = new URL(running.url).port;
  const busy = await runCli(['registry', '--port', port, '--host', '127.0.0.1', '--db', join(dir, 'other.db'), '--home', dir]);
  assert.equal(busy.code, 1);
  assert.equal(busy.stderr, `peer-backup: Port ${port} on 127.0.0.1 is already in use: stop the other registry, or choose another --port.\n`);

  await runCli(['plan', 'list', '--home', dir]); // makes the home's own database, which is no registry database
  const wrongDb = await runCli(['registry', '--port', '0', '--host', '127.0.0.1', '--db', join(dir, 'peer-backup.db'), '--home', dir]);
  assert.equal(wrongDb.code, 1);
  assert.match(wrongDb.stderr, /peer-backup\.db is not a Peer Backup registry database: give --db a new file name/);

  const badTtl = await runCli(['registry', '--ttl', 'soon', '--home', dir]);
  assert.notEqual(badTtl.code, 0);
  assert.match(badTtl.stderr, /--ttl <seconds>.*'soon' is invalid/);
});
