import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { UserError, type ErrorCode } from '../../src/core/errors';
import { generateIdentity, type Identity } from '../../src/core/identity/keys';
import type { AnnouncementPayload, LookupReply, SignedAnnouncement } from '../../src/core/registry/protocol';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { resolveRegistryUrl } from '../../src/core/registry/registry-url';
import { startTestRegistry } from '../helpers/registry';

/** A server that is not a registry, standing in for a wrong --registry URL. */
async function impostor(t: TestContext, listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<UserError> {
  let caught: unknown;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  return caught;
}

test('announce, then look up: the signed addresses, and the address the registry saw as a hint apart', async (t) => {
  const registry = await startTestRegistry(t, { ttlSeconds: 90 });
  const client = new RegistryClient(registry.url);
  const alice = generateIdentity();
  const reply = await client.announce(alice, 7421, ['192.0.2.1', '2001:db8::1']);
  const signed = [
    { host: '192.0.2.1', port: 7421 },
    { host: '2001:db8::1', port: 7421 },
  ];
  assert.deepEqual(reply.addresses, signed);
  assert.deepEqual(reply.observed, { host: '127.0.0.1', port: 7421 });
  assert.equal(reply.reannounceAfter, 30);
  assert.equal(reply.expiresAt - reply.lastSeen, 90_000);

  const record = await client.lookup(alice.peerId.toLowerCase());
  assert.equal(record.peerId, alice.peerId);
  assert.equal(record.publicKey, alice.publicKey.toString('base64'));
  assert.deepEqual(record.addresses, signed);
  assert.deepEqual(record.observed, { host: '127.0.0.1', port: 7421 });
  assert.equal(record.lastSeen, reply.lastSeen);

  await client.announce(alice, 7422, ['127.0.0.1']);
  const moved = await client.lookup(alice.peerId, { fresh: true });
  assert.deepEqual(moved.addresses, [{ host: '127.0.0.1', port: 7422 }]);
  assert.equal(moved.observed, undefined, 'a hint for an address the peer signed itself');
});

/**
 * The real registry behind a proxy that rewrites its look-up answers as
 * `alter` says: a registry, or anything between it and the client, that lies.
 */
async function alteringProxy(t: TestContext, registryUrl: string): Promise<{ url: string; alter: (edit: (reply: LookupReply) => LookupReply) => void }> {
  let edit: (reply: LookupReply) => LookupReply = (reply) => reply;
  const url = await impostor(t, (req, res) => {
    void fetch(`${registryUrl}${req.url}`).then(async (answer) => {
      const body = answer.status === 200 ? JSON.stringify(edit((await answer.json()) as LookupReply)) : await answer.text();
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(body);
    });
  });
  return { url, alter: (next) => (edit = next) };
}

/** A signed announcement with `payload` (an object) as its payload, signed by `signer`. */
function signedBy(signer: Identity, payload: object): SignedAnnouncement {
  const bytes = Buffer.from(JSON.stringify(payload));
  return { payload: bytes.toString('base64'), signature: signer.sign(bytes).toString('base64') };
}

function payloadOf(announcement: SignedAnnouncement): AnnouncementPayload {
  return JSON.parse(Buffer.from(announcement.payload, 'base64').toString()) as AnnouncementPayload;
}

test('a look-up whose announcement the registry altered is refused, naming the registry; the unsigned hint is all it can change', async (t) => {
  const registry = await startTestRegistry(t);
  const alice = generateIdentity();
  const mallory = generateIdentity();
  await new RegistryClient(registry.url).announce(alice, 7421, ['127.0.0.1']);
  await new RegistryClient(registry.url).announce(mallory, 6666, ['127.0.0.1']);
  const malloryReply = (await (await fetch(`${registry.url}/v2/peers/${mallory.peerId}`)).json()) as LookupReply;
  const proxy = await alteringProxy(t, registry.url);
  const client = new RegistryClient(proxy.url);

  proxy.alter((reply) => ({ ...reply, observed: { host: '203.0.113.66', port: 6666 } }));
  const hinted = await client.lookup(alice.peerId, { fresh: true });
  assert.deepEqual(hinted.addresses, [{ host: '127.0.0.1', port: 7421 }]);
  assert.deepEqual(hinted.observed, { host: '203.0.113.66', port: 6666 });

  const cases: [string, (reply: LookupReply) => LookupReply, RegExp][] = [
    [
      'an address added to the signed list',
      (reply) => {
        const payload = payloadOf(reply.announcement);
        const bytes = Buffer.from(JSON.stringify({ ...payload, addresses: [...payload.addresses, { host: '203.0.113.66', port: 6666 }] }));
        return { ...reply, announcement: { ...reply.announcement, payload: bytes.toString('base64') } };
      },
      /the signature does not match the payload/,
    ],
    ['the key swapped', (reply) => ({ ...reply, announcement: signedBy(mallory, { ...payloadOf(reply.announcement), publicKey: mallory.publicKey.toString('base64') }) }), /is not the hash of the public key sent/],
    ['another peer\'s announcement', (reply) => ({ ...reply, announcement: malloryReply.announcement }), new RegExp(`it is ${mallory.peerId}'s announcement, not ${alice.peerId}'s`)],
    [
      'the signature broken',
      (reply) => {
        const signature = Buffer.from(reply.announcement.signature, 'base64');
        signature[0] ^= 1;
        return { ...reply, announcement: { ...reply.announcement, signature: signature.toString('base64') } };
      },
      /the signature does not match the payload/,
    ],
    ['a time far ahead', (reply) => ({ ...reply, announcement: signedBy(alice, { ...payloadOf(reply.announcement), time: Date.now() + 10 * 60_000 }) }), /it is dated \d+ s ahead of this machine's clock/],
    ['version 1', (reply) => ({ ...reply, announcement: signedBy(alice, { ...payloadOf(reply.announcement), version: 1 }) }), /unsupported version/],
    ['a peer ID that clears the terminal', (reply) => ({ ...reply, announcement: signedBy(alice, { ...payloadOf(reply.announcement), peerId: '\u001b[2J' }) }), /"\\x1b\[2J" is not a peer ID/],
  ];
  for (const [name, edit, reason] of cases) {
    proxy.alter(edit);
    const refused = await rejectsWith(client.lookup(alice.peerId, { fresh: true }), 'registry-garbage', reason);
    assert.ok(refused.message.startsWith(`The registry at ${proxy.url} answered the look-up of ${alice.peerId} with an announcement that fails its check (`), `${name}: ${refused.message}`);
    assert.match(refused.message, /\), so nothing from it was used: the registry, or something between it and this machine, altered or forged it/, name);
  }
});

test('announcing twice within one millisecond still counts as newer', async (t) => {
  const registry = await startTestRegistry(t);
  const frozen = Date.now();
  const client = new RegistryClient(registry.url, { now: () => frozen });
  const alice = generateIdentity();
  await client.announce(alice, 1, ['127.0.0.1']);
  await client.announce(alice, 2, ['127.0.0.1']);
  assert.deepEqual((await client.lookup(alice.peerId)).addresses, [{ host: '127.0.0.1', port: 2 }]);
});

test('a client whose clock is far off is told to fix it', async (t) => {
  const registry = await startTestRegistry(t);
  const client = new RegistryClient(registry.url, { now: () => Date.now() + 10 * 60_000 });
  await rejectsWith(
    client.announce(generateIdentity(), 1, ['127.0.0.1']),
    'registry-refused',
    /refused the announcement of .*: the announcement's time is 600 s ahead of the registry's clock .*set this machine's clock right/,
  );
});

test('look-ups are cached for a while; fresh bypasses the cache', async (t) => {
  const registry = await startTestRegistry(t);
  const client = new RegistryClient(registry.url);
  const alice = generateIdentity();
  await client.announce(alice, 7421, ['127.0.0.1']);
  await client.lookup(alice.peerId);
  await registry.close();
  assert.equal((await client.lookup(alice.peerId)).peerId, alice.peerId, 'the second look-up went to the registry');
  await rejectsWith(client.lookup(alice.peerId, { fresh: true }), 'registry-unreachable', /The registry at .* does not answer/);
});

test('an unknown peer is "not registered", naming the peer and what to do', async (t) => {
  const registry = await startTestRegistry(t);
  const { peerId } = generateIdentity();
  await rejectsWith(new RegistryClient(registry.url).lookup(peerId), 'peer-not-registered', new RegExp(`Teammate ${peerId} is offline: it is not registered at ${registry.url}.*ask your teammate to start receiving`));
});

test('a registry that is not running, or never answers, is "unreachable", naming the URL and the setting', async (t) => {
  const registry = await startTestRegistry(t);
  await registry.close();
  const refused = await rejectsWith(new RegistryClient(registry.url).lookup(generateIdentity().peerId), 'registry-unreachable', /ECONNREFUSED/);
  assert.ok(refused.message.includes(registry.url), refused.message);
  assert.match(refused.message, /--registry, \$PEER_BACKUP_REGISTRY or the peerBackup\.registryUrl setting/);
  assert.equal(refused.retryable, false, 'a run someone watches is told at once, not after retries meant for an offline teammate');

  const silent = await impostor(t, () => undefined);
  await rejectsWith(new RegistryClient(silent, { timeoutMs: 300 }).lookup(generateIdentity().peerId), 'registry-unreachable', /no answer within 0\.3 s/);
});

test('a server that answers something else is "garbage", never a peer', async (t) => {
  const alice = generateIdentity();
  const html = await impostor(t, (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Welcome</h1>'));
  const notFoundPage = await impostor(t, (_req, res) => res.writeHead(404).end('Not Found'));
  const oldVersion = await impostor(t, (_req, res) =>
    res.end(JSON.stringify({ peerId: alice.peerId, publicKey: alice.publicKey.toString('base64'), addresses: [], lastSeen: 1, expiresAt: Date.now() + 60_000 })),
  );
  const huge = await impostor(t, (_req, res) => res.end('x'.repeat(200_000)));
  await rejectsWith(new RegistryClient(html).lookup(alice.peerId), 'registry-garbage', /answered HTTP 200 with a body that is not a registry reply/);
  await rejectsWith(new RegistryClient(notFoundPage).lookup(alice.peerId), 'registry-garbage', /HTTP 404 and no registry error/);
  await rejectsWith(new RegistryClient(oldVersion).lookup(alice.peerId), 'registry-garbage', /answered HTTP 200 with a body that is not a registry reply/);
  await rejectsWith(new RegistryClient(huge).lookup(alice.peerId), 'registry-garbage', /over-long or broken reply/);
  await rejectsWith(new RegistryClient(html).announce(alice, 1, ['127.0.0.1']), 'registry-garbage', /does not look like a Peer Backup registry/);
});

test('a rate-limited client learns when to retry', async (t) => {
  const registry = await startTestRegistry(t, { rateLimitPerMinute: 2 });
  const client = new RegistryClient(registry.url);
  const alice = generateIdentity();
  await client.announce(alice, 1, ['127.0.0.1']);
  await client.lookup(alice.peerId);
  const err = await rejectsWith(client.lookup(alice.peerId, { fresh: true }), 'registry-refused', /too many requests from 127\.0\.0\.1 \(at most 2 a minute\): retry in \d+ s/);
  assert.ok(err.retryAfterSeconds !== undefined && err.retryAfterSeconds > 0 && err.retryAfterSeconds <= 60);
});

test('registry URLs: flag, then environment, then this machine; bad ones name their source', () => {
  assert.equal(resolveRegistryUrl(undefined, {}), 'http://127.0.0.1:7420');
  assert.equal(resolveRegistryUrl(undefined, { PEER_BACKUP_REGISTRY: 'http://reg.example:7420/' }), 'http://reg.example:7420');
  assert.equal(resolveRegistryUrl('https://reg.example/peer-backup/', { PEER_BACKUP_REGISTRY: 'http://other' }), 'https://reg.example/peer-backup');
  assert.throws(() => resolveRegistryUrl('reg.example:7420', {}), /"reg\.example:7420" \(from --registry\) is not an http\(s\) URL/);
  assert.throws(() => resolveRegistryUrl(undefined, { PEER_BACKUP_REGISTRY: 'not a url' }), /\(from PEER_BACKUP_REGISTRY\) is not a URL/);
  assert.throws(() => new RegistryClient('ftp://reg.example'), (err: Error) => err instanceof UserError && /not an http\(s\) registry URL/.test(err.message));
});

test('several registry URLs: a list from the flag or the environment, each checked and named by its source', () => {
  assert.equal(resolveRegistryUrl('http://a.example:7420/, https://b.example/', {}), 'http://a.example:7420,https://b.example');
  assert.equal(resolveRegistryUrl(undefined, { PEER_BACKUP_REGISTRY: 'http://a.example,,http://b.example' }), 'http://a.example,http://b.example');
  assert.throws(() => resolveRegistryUrl('http://a.example,b.example:7420', {}), /"b\.example:7420" \(from --registry\) is not an http\(s\) URL/);
});

test('look-ups fail over in order to the next registry, and one that failed is tried last for a while', async (t) => {
  const down = await startTestRegistry(t);
  await down.close();
  let silentRequests = 0;
  const silent = await impostor(t, () => silentRequests++);
  const working = await startTestRegistry(t);
  const alice = generateIdentity();
  await new RegistryClient(working.url).announce(alice, 7421, ['192.0.2.1']);

  const client = new RegistryClient([down.url, silent, working.url].join(','), { timeoutMs: 500 });
  assert.deepEqual((await client.lookup(alice.peerId)).addresses, [{ host: '192.0.2.1', port: 7421 }]);
  assert.equal(silentRequests, 1);
  assert.deepEqual((await client.lookup(alice.peerId, { fresh: true })).addresses, [{ host: '192.0.2.1', port: 7421 }]);
  assert.equal(silentRequests, 1, 'the registry that had just failed was asked first again');

  const unknown = generateIdentity().peerId;
  await rejectsWith(client.lookup(unknown), 'peer-not-registered', new RegExp(`Teammate ${unknown} is offline: it is not registered at ${working.url}`));
  const onlyDown = new RegistryClient([down.url, silent].join(','), { timeoutMs: 300 });
  const err = await rejectsWith(onlyDown.lookup(unknown), 'registry-unreachable', /^No registry could answer \(The registry at .*ECONNREFUSED.*; The registry at .*no answer within 0\.3 s/);
  assert.equal(err.retryable, false, "a silent registry is not worth the retries meant for an offline teammate");
});

test('an announcement goes to every registry; it fails only when none stores it, and says what each refused', async (t) => {
  const [first, second] = [await startTestRegistry(t), await startTestRegistry(t)];
  const alice = generateIdentity();
  const both = new RegistryClient(`${first.url},${second.url}`);
  await both.announce(alice, 7421, ['192.0.2.1']);
  for (const registry of [first, second]) assert.equal((await new RegistryClient(registry.url).lookup(alice.peerId)).peerId, alice.peerId);

  await second.close();
  const { reply, failures } = await both.announceEverywhere(alice, 7422, ['192.0.2.1']);
  assert.deepEqual(reply.addresses, [{ host: '192.0.2.1', port: 7422 }]);
  assert.equal(failures.length, 1);
  assert.match(failures[0].message, new RegExp(`The registry at ${second.url}`));
  const checked = await both.missingFrom(alice.peerId);
  assert.deepEqual(checked.missing, []);
  assert.equal(checked.failures.length, 1, 'the registry that is down was not reported');

  const empty = await startTestRegistry(t);
  assert.deepEqual((await new RegistryClient(`${first.url},${empty.url}`).missingFrom(alice.peerId)).missing, [empty.url]);
});
