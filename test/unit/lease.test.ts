import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore, type Store } from '../../src/core/store';
import { newLeaseHolder } from '../../src/core/store/leases';
import { tempDir } from '../helpers/temp';

/** A store whose clock the test moves by hand. */
async function storeWithClock(t: Parameters<typeof tempDir>[0], file?: string): Promise<{ store: Store; clock: { at: number } }> {
  const clock = { at: 1_000_000 };
  const store = await openStore(file ?? join(tempDir(t), 'db'), () => clock.at);
  t.after(() => store.close());
  return { store, clock };
}

test('a free lease is taken; another holder is refused until it expires, then takes it over', async (t) => {
  const { store, clock } = await storeWithClock(t);
  assert.equal(await store.leases.acquire('scheduler', 'window-a', 1000), true);
  assert.equal(await store.leases.acquire('scheduler', 'window-b', 1000), false);
  assert.equal((await store.leases.current('scheduler'))?.holder, 'window-a');

  clock.at += 999;
  assert.equal(await store.leases.acquire('scheduler', 'window-b', 1000), false, 'not yet expired');
  clock.at += 1;
  assert.equal(await store.leases.acquire('scheduler', 'window-b', 1000), true, 'stale: taken over');
  assert.deepEqual(await store.leases.current('scheduler'), { name: 'scheduler', holder: 'window-b', expiresAt: clock.at + 1000 });
  assert.equal(await store.leases.acquire('scheduler', 'window-a', 1000), false, 'the old holder has lost it');
});

test('renewing pushes the expiry forward and keeps others out', async (t) => {
  const { store, clock } = await storeWithClock(t);
  await store.leases.acquire('scheduler', 'a', 1000);
  clock.at += 800;
  assert.equal(await store.leases.acquire('scheduler', 'a', 1000), true);
  clock.at += 800;
  assert.equal(await store.leases.acquire('scheduler', 'b', 1000), false);
  assert.equal((await store.leases.current('scheduler'))?.expiresAt, clock.at + 200);
});

test('release frees the lease at once, and only for its holder', async (t) => {
  const { store } = await storeWithClock(t);
  await store.leases.acquire('scheduler', 'a', 60_000);
  await store.leases.release('scheduler', 'b');
  assert.equal((await store.leases.current('scheduler'))?.holder, 'a');
  await store.leases.release('scheduler', 'a');
  assert.equal(await store.leases.current('scheduler'), undefined);
  assert.equal(await store.leases.acquire('scheduler', 'b', 60_000), true);
});

test('leases with different names are independent', async (t) => {
  const { store } = await storeWithClock(t);
  assert.equal(await store.leases.acquire('plan-run:1', 'a', 1000), true);
  assert.equal(await store.leases.acquire('plan-run:2', 'b', 1000), true);
  assert.equal(await store.leases.acquire('plan-run:1', 'b', 1000), false);
});

// Three connections: node-sqlite3 runs statements on libuv's four worker
// threads, and a connection waiting on busy_timeout occupies one, so more
// connections in one process could starve the lock holder's COMMIT. Separate
// processes (the real case) each have their own threads.
test('several connections to one file asking at once: exactly one wins', async (t) => {
  const file = join(tempDir(t), 'db');
  await (await openStore(file)).close();
  const stores = await Promise.all(Array.from({ length: 3 }, () => openStore(file)));
  t.after(() => Promise.all(stores.map((store) => store.close())));
  const won = await Promise.all(stores.map((store, index) => store.leases.acquire('scheduler', `holder-${index}`, 60_000)));
  assert.equal(won.filter(Boolean).length, 1);
  assert.equal((await stores[0].leases.current('scheduler'))?.holder, `holder-${won.indexOf(true)}`);
});

test('a lease whose holder process is gone is free at once; a live holder\'s is not', async (t) => {
  const { store } = await storeWithClock(t);
  const dead = spawnSync(process.execPath, ['-e', '']).pid; // a process that has exited
  assert.equal(await store.leases.acquire('plan-run:1', `${dead}:run-a`, 30_000), true);
  assert.equal(await store.leases.current('plan-run:1'), undefined, 'a dead holder holds nothing');
  assert.equal(await store.leases.acquire('plan-run:1', newLeaseHolder(), 30_000), true, 'taken over long before it expires');

  const live = newLeaseHolder();
  assert.match(live, new RegExp(`^${process.pid}:`));
  assert.equal(await store.leases.acquire('scheduler', live, 30_000), true);
  assert.equal(await store.leases.acquire('scheduler', newLeaseHolder(), 30_000), false, 'this process is alive');
  assert.equal(await store.leases.acquire('scheduler', 'holder-without-pid', 30_000), false);
});
