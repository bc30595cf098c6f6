import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { signAnnouncement } from '../../src/core/registry/announcement';
import { Database } from '../../src/core/store/database';
import { openStore } from '../../src/core/store';
import { CachedRegistryStore } from '../../src/registry/store/cached-registry-store';
import { registryApplicationId } from '../../src/registry/store/migrations';
import type { PeerEntry } from '../../src/registry/store/registry-store';
import { SqliteRegistryStore } from '../../src/registry/store/sqlite-registry-store';
import { tempDir } from '../helpers/temp';

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

test('an entry is replaced only by a strictly newer announcement', async (t) => {
  const store = await SqliteRegistryStore.open(join(tempDir(t), 'registry.db'));
  t.after(() => store.close());
  const first = entry();
  assert.equal(await store.saveIfNewer(first), true);
  const moved = { ...first, payload: Buffer.from('moved'), observed: { host: '192.0.2.2', port: 9 } };
  assert.equal(await store.saveIfNewer({ ...moved, announcedAt: 999 }), false, 'an older announcement replaced the entry');
  assert.equal(await store.saveIfNewer({ ...moved, announcedAt: 1_000 }), false, 'a replay of the same announcement replaced the entry');
  assert.deepEqual(await store.find(first.peerId, 2_000), first);
  assert.equal(await store.saveIfNewer({ ...moved, announcedAt: 1_001, lastSeen: 1_001, expiresAt: 6_000 }), true);
  const found = await store.find(first.peerId, 2_000);
  assert.deepEqual(found?.payload, Buffer.from('moved'));
  assert.deepEqual(found?.observed, { host: '192.0.2.2', port: 9 });
  const withoutHint: PeerEntry = { ...first, announcedAt: 1_002 };
  delete withoutHint.observed;
  assert.equal(await store.saveIfNewer(withoutHint), true);
  assert.deepEqual(await store.find(first.peerId, 2_000), withoutHint, 'a hint outlived the announcement that set it');
});

test('expired entries are hidden from look-ups and deleted on request', async (t) => {
  const store = await SqliteRegistryStore.open(join(tempDir(t), 'registry.db'));
  t.after(() => store.close());
  const old = entry({ expiresAt: 5_000 });
  const young = entry({ expiresAt: 9_000 });
  await store.saveIfNewer(old);
  await store.saveIfNewer(young);
  assert.ok(await store.find(old.peerId, 4_999));
  assert.equal(await store.find(old.peerId, 5_000), undefined);
  assert.equal(await store.deleteExpiredBefore(6_000), 1);
  assert.equal(await store.saveIfNewer({ ...old, announcedAt: 1 }), true, 'a deleted entry still blocked announcements');
  assert.ok(await store.find(young.peerId, 6_000));
});

test('entries survive closing and reopening the file', async (t) => {
  const file = join(tempDir(t), 'registry.db');
  const saved = entry();
  const store = await SqliteRegistryStore.open(file);
  await store.saveIfNewer(saved);
  await store.close();
  const reopened = await SqliteRegistryStore.open(file);
  t.after(() => reopened.close());
  assert.deepEqual(await reopened.find(saved.peerId, 0), saved);
});

test('another SQLite file, or one from a newer registry, is refused and left alone', async (t) => {
  const dir = tempDir(t);
  const originating = join(dir, 'peer-backup.db');
  await (await openStore(originating)).close();
  await assert.rejects(SqliteRegistryStore.open(originating), /peer-backup\.db is not a Peer Backup registry database: give --db a new file name/);
  const check = await Database.open(originating);
  assert.equal((await check.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'peers'"))?.n, 0);
  await check.close();

  const newer = join(dir, 'newer.db');
  const db = await Database.open(newer);
  await db.exec(`PRAGMA application_id = ${registryApplicationId}; PRAGMA user_version = 99;`);
  await db.close();
  await assert.rejects(SqliteRegistryStore.open(newer), /newer Peer Backup registry \(schema 99, this one knows 3\): update Peer Backup/);
});

test('a version-1 registry file is brought to version 2; its entries, unsigned as stored, are dropped', async (t) => {
  const file = join(tempDir(t), 'registry.db');
  const old = await Database.open(file);
  await old.exec(`
    PRAGMA application_id = ${registryApplicationId};
    CREATE TABLE peers (peer_id TEXT PRIMARY KEY, public_key BLOB NOT NULL, addresses TEXT NOT NULL,
      announced_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, expires_at INTEGER NOT NULL);
    CREATE INDEX peers_by_expiry ON peers (expires_at);
    PRAGMA user_version = 1;`);
  const held = entry();
  await old.run('INSERT INTO peers VALUES (?, ?, ?, ?, ?, ?)', [held.peerId, Buffer.alloc(32), '[{"host":"192.0.2.1","port":7421}]', 1_000, 1_000, 5_000]);
  await old.close();

  const store = await SqliteRegistryStore.open(file);
  t.after(() => store.close());
  assert.equal(await store.count(), 0);
  assert.equal(await store.has(held.peerId), false);
  assert.equal(await store.saveIfNewer(held), true);
  assert.deepEqual(await store.find(held.peerId, 2_000), held);
});

test('the cached store answers look-ups from memory, with the same expiry and replay rules', async (t) => {
  const file = join(tempDir(t), 'registry.db');
  const store = new CachedRegistryStore(await SqliteRegistryStore.open(file), { maxEntries: 2 });
  t.after(() => store.close());
  const [a, b, c] = [entry(), entry(), entry()];
  for (const each of [a, b, c]) assert.equal(await store.saveIfNewer(each), true);
  assert.equal(await store.saveIfNewer({ ...a, observed: { host: '203.0.113.66', port: 1 } }), false, 'a replay was accepted');

  // Change a row behind the cache's back: look-ups of cached peers do not see it.
  const other = await Database.open(file);
  await other.run("UPDATE peers SET observed_host = '192.0.2.99'");
  await other.close();
  assert.deepEqual((await store.find(c.peerId, 2_000))?.observed, c.observed);
  assert.deepEqual((await store.find(a.peerId, 2_000))?.observed?.host, '192.0.2.99', 'the evicted entry was not read from the file');

  assert.ok(await store.find(c.peerId, 4_999));
  assert.equal(await store.find(c.peerId, 5_000), undefined);
  assert.equal(await store.deleteExpiredBefore(6_000), 3);
  assert.equal(await store.find(b.peerId, 0), undefined);
});
