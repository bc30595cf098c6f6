/**
 * The registry on a real PostgreSQL server (test/helpers/postgres.ts): the
 * store keeps the SQLite store's rules, migrations run once however many
 * registries start together, registries sharing one database serve each
 * other's announcements and share the new-peer budget, and clients fail over
 * between them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { generateIdentity } from '../../src/core/identity/keys';
import { signAnnouncement } from '../../src/core/registry/announcement';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { openRegistryStore } from '../../src/registry/store';
import { PostgresRegistryStore } from '../../src/registry/store/postgres-registry-store';
import type { PeerEntry } from '../../src/registry/store/registry-store';
import { runCli, startCli } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver } from '../helpers/peers';
import { postgresSkipReason, startPostgres } from '../helpers/postgres';
import { startTestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

const skip = postgresSkipReason ?? false;

/** Runs `body` on a connection of its own, closed before the server stops. */
async function withClient<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

function entry(overrides: Partial<PeerEntry> = {}): PeerEntry {
  const identity = generateIdentity();
  const signed = signAnnouncement(identity, [{ host: '192.0.2.1', port: 7421 }], 1_000);
  return {
    peerId: identity.peerId,
    payload: Buffer.from(signed.payload, 'base64'),
    signature: Buffer.from(signed.signature, 'base64'),
    observed: { host: '198.51.100.4', port: 7421 },
    announcedAt: 1_000,
    lastSeen: 1_000,
    expiresAt: 5_000,
    ...overrides,
  };
}

test('the PostgreSQL store replaces an entry only with a newer announcement, hides expired ones and deletes them on request', { skip }, async (t) => {
  const server = await startPostgres(t);
  const store = await PostgresRegistryStore.open(await server.createDatabase());
  t.after(() => store.close());
  const first = entry();
  assert.equal(await store.saveIfNewer(first), true);
  const moved = { ...first, payload: Buffer.from('moved'), observed: { host: '192.0.2.2', port: 9 } };
  assert.equal(await store.saveIfNewer({ ...moved, announcedAt: 1_000 }), false, 'a replay replaced the entry');
  assert.deepEqual(await store.find(first.peerId, 2_000), first);
  const withoutHint: PeerEntry = { ...first, announcedAt: 1_001 };
  delete withoutHint.observed;
  assert.equal(await store.saveIfNewer(withoutHint), true);
  assert.deepEqual(await store.find(first.peerId, 2_000), withoutHint);

  const young = entry({ expiresAt: 9_000 });
  await store.saveIfNewer(young);
  assert.equal(await store.count(), 2);
  assert.equal(await store.has(first.peerId), true);
  assert.equal(await store.find(first.peerId, 5_000), undefined, 'an expired entry was served');
  assert.equal(await store.deleteExpiredBefore(6_000), 1);
  assert.equal(await store.has(first.peerId), false);
  assert.ok(await store.find(young.peerId, 6_000));
});

test('racing announcements of one peer through two stores leave the newest, and each new-peer window counts every registry', { skip }, async (t) => {
  const server = await startPostgres(t);
  const url = await server.createDatabase();
  const [a, b] = await Promise.all([PostgresRegistryStore.open(url), PostgresRegistryStore.open(url)]);
  t.after(() => Promise.all([a.close(), b.close()]));
  const base = entry();
  const versions = Array.from({ length: 40 }, (_, index) => ({ ...base, announcedAt: 2_000 + index }));
  await Promise.all(versions.map((version, index) => (index % 2 ? a : b).saveIfNewer(version)));
  assert.equal((await a.find(base.peerId, 0))?.announcedAt, 2_039);

  const counts = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 ? a : b).countNewPeer(10_000, 60_000)));
  assert.deepEqual(counts.map((window) => window.admitted).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(await a.countNewPeer(69_999, 60_000), { startedAt: 10_000, admitted: 11 });
  assert.deepEqual(await b.countNewPeer(70_000, 60_000), { startedAt: 70_000, admitted: 1 }, 'the window did not start afresh after a minute');
});

test('registries starting together migrate once; a foreign "peers" table or a newer schema is refused and left alone', { skip }, async (t) => {
  const server = await startPostgres(t);
  const url = await server.createDatabase();
  const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresRegistryStore.open(url)));
  await Promise.all(stores.map((store) => store.close()));

  await withClient(url, async (admin) => {
    assert.deepEqual((await admin.query('SELECT version FROM registry_schema')).rows, [{ version: 3 }]);
    await admin.query('UPDATE registry_schema SET version = 99');
  });
  await assert.rejects(PostgresRegistryStore.open(url), /registry_1 was written by a newer Peer Backup registry \(schema 99, this one knows 3\): update Peer Backup/);

  const foreign = await server.createDatabase();
  await withClient(foreign, (other) => other.query('CREATE TABLE peers (name TEXT)'));
  await assert.rejects(PostgresRegistryStore.open(foreign), /registry_2 already has a "peers" table that is not a Peer Backup registry's/);
  await withClient(foreign, async (other) => {
    assert.equal((await other.query("SELECT to_regclass('registry_schema') AS marked")).rows[0].marked, null);
  });
});

test('an unreachable PostgreSQL is one error naming the database without its password', { skip }, async () => {
  await assert.rejects(
    PostgresRegistryStore.open('postgres://registry:secret@127.0.0.1:1/registry'),
    (err: Error) => /^Cannot connect to the PostgreSQL database postgres:\/\/registry:\*\*\*@127\.0\.0\.1:1\/registry \(/.test(err.message) && !err.message.includes('secret'),
  );
});

test('two registries on one database: a peer announced at one is found at the other, and the new-peer budget is shared', { skip, timeout: 60_000 }, async (t) => {
  const server = await startPostgres(t);
  const url = await server.createDatabase();
  const options = { maxNewPeersPerMinute: 3 };
  const [first, second] = [await startTestRegistry(t, { ...options, db: url }), await startTestRegistry(t, { ...options, db: url })];
  const peers = Array.from({ length: 4 }, () => generateIdentity());
  await new RegistryClient(first.url).announce(peers[0], 7421, ['192.0.2.10']);
  const found = await new RegistryClient(second.url).lookup(peers[0].peerId);
  assert.deepEqual(found.addresses, [{ host: '192.0.2.10', port: 7421 }]);

  await new RegistryClient(second.url).announce(peers[1], 7421, ['192.0.2.11']);
  await new RegistryClient(first.url).announce(peers[2], 7421, ['192.0.2.12']);
  await assert.rejects(new RegistryClient(second.url).announce(peers[3], 7421, ['192.0.2.13']), /too many new peers are announcing to this registry \(at most 3 a minute\)/);
  await new RegistryClient(second.url).announce(peers[0], 7421, ['192.0.2.20']);
});

test('`peer-backup registry --db postgres://...` serves from PostgreSQL and logs the database without its password', { skip, timeout: 60_000 }, async (t) => {
  const server = await startPostgres(t);
  const url = (await server.createDatabase()).replace('registry@', 'registry:unused-secret@');
  const registry = await startCli(['registry', '--port', '0', '--host', '127.0.0.1', '--db', url, '--home', tempDir(t)], /registry listening on (http:\/\/\S+)/);
  t.after(() => registry.stop());
  const peer = generateIdentity();
  await new RegistryClient(registry.ready).announce(peer, 7421, ['192.0.2.30']);
  const store = await openRegistryStore(url);
  t.after(() => store.close());
  assert.ok(await store.find(peer.peerId, Date.now()), 'the announcement is not in PostgreSQL');
  await registry.stop();
  assert.match(registry.output(), /"event":"started","db":"postgres:\/\/registry:\*\*\*@127\.0\.0\.1/);
  assert.doesNotMatch(registry.output(), /unused-secret/);

  const refused = await runCli(['registry', '--port', '0', '--host', '127.0.0.1', '--db', 'postgres://registry@127.0.0.1:1/none', '--home', tempDir(t)]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Cannot connect to the PostgreSQL database postgres:\/\/registry@127\.0\.0\.1:1\/none/);
});

test('two registries on one PostgreSQL: look-ups and a backup keep working while one is killed and restarted, then the other', { skip, timeout: 120_000 }, async (t) => {
  const server = await startPostgres(t);
  const db = await server.createDatabase();
  const startOne = async (port = 0) => {
    const registry = await startCli(['registry', '--port', String(port), '--host', '127.0.0.1', '--db', db, '--home', tempDir(t)], /registry listening on (http:\/\/\S+)/);
    t.after(() => registry.stop('SIGKILL'));
    return registry;
  };
  const first = await startOne();
  const second = await startOne();
  const registries = `${first.ready},${second.ready}`;
  const receiver = await makeHome(t);
  const sender = await makeHome(t);
  await allow(receiver.home, sender.peerId, '10MB');
  await startReceiver(t, receiver.home, registries);
  const env = { PEER_BACKUP_HOME: sender.home, PEER_BACKUP_REGISTRY: registries };
  assert.equal((await runCli(['dest', 'add', 'teammate', receiver.peerId], { env })).code, 0);
  assert.equal((await runCli(['plan', 'add', 'nightly', writeFixtureTree(join(tempDir(t), 'project')), '--dest', 'teammate'], { env })).code, 0);

  const client = new RegistryClient(registries);
  const lookUp = async (times: number) => {
    for (let i = 0; i < times; i++) assert.equal((await client.lookup(receiver.peerId, { fresh: true })).peerId, receiver.peerId);
  };
  const backUp = async () => {
    const run = await runCli(['run', 'nightly', '--no-retry', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
  };

  await lookUp(20);
  await first.stop('SIGKILL');
  await lookUp(20);
  await backUp();
  const firstAgain = await startOne(Number(new URL(first.ready).port));
  assert.equal(firstAgain.ready, first.ready);
  await second.stop('SIGKILL');
  await lookUp(20);
  await backUp();
});
