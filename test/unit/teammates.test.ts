import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { openStore } from '../../src/core/store';
import { teammateStatuses } from '../../src/core/teammates';
import { startTestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

test('teammates are online when the registry holds their announcement, and carry their last successful backup', async (t) => {
  const registry = await startTestRegistry(t);
  const client = new RegistryClient(registry.url);
  const alice = generateIdentity();
  const bob = generateIdentity();
  await client.announce(alice, 7421, ['127.0.0.1']);

  const store = await openStore(join(tempDir(t), 'peer-backup.db'));
  t.after(() => store.close());
  await store.destinations.add('alice', alice.peerId);
  await store.destinations.add('bob', bob.peerId);
  const plan = await store.plans.create({ name: 'nightly', destination: alice.peerId, schedule: 'manual', excludes: [], items: [] });
  const succeeded = await store.runs.finish(await store.runs.start(plan.id), { status: 'succeeded' });
  await store.runs.finish(await store.runs.start(plan.id), { status: 'failed', error: 'later failure' });

  const statuses = await teammateStatuses(store, client);
  const byLabel = new Map(statuses.map((status) => [status.label, status]));
  assert.equal(byLabel.get('alice')?.reachability, 'online');
  assert.match(byLabel.get('alice')?.reachabilityDetail ?? '', /^announced until \d{4}-/);
  assert.equal(byLabel.get('alice')?.lastBackupAt, succeeded.endedAt);
  assert.equal(byLabel.get('bob')?.reachability, 'offline');
  assert.equal(byLabel.get('bob')?.lastBackupAt, undefined);

  await registry.close();
  const unreachable = await teammateStatuses(store, new RegistryClient(registry.url));
  assert.ok(unreachable.every((status) => status.reachability === 'unknown'));
  assert.match(unreachable[0].reachabilityDetail ?? '', /Cannot reach the registry/);
});
