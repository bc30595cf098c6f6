import assert from 'node:assert/strict';
import { test } from 'node:test';
import { App, homeAt } from '../../src/core/app';
import { generateIdentity } from '../../src/core/identity/keys';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { startTestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

test('teammates are online when the registry holds their announcement, and carry their last successful backup', async (t) => {
  const registry = await startTestRegistry(t);
  const client = new RegistryClient(registry.url);
  const alice = generateIdentity();
  const bob = generateIdentity();
  await client.announce(alice, 7421, ['127.0.0.1']);

  let registryUrl = registry.url;
  const app = new App({ home: homeAt(tempDir(t)), registryUrl: () => registryUrl });
  t.after(() => app.close());
  const store = await app.store();
  await app.teammates.add('alice', alice.peerId);
  await app.teammates.add('bob', bob.peerId);
  const plan = await store.plans.create({ name: 'nightly', destination: alice.peerId, schedule: 'manual', excludes: [], items: [] });
  const succeeded = await store.runs.finish(await store.runs.start(plan.id), { status: 'succeeded' });
  await store.runs.finish(await store.runs.start(plan.id), { status: 'failed', error: 'later failure' });

  const statuses = await app.teammates.statuses();
  const byLabel = new Map(statuses.map((status) => [status.label, status]));
  assert.equal(byLabel.get('alice')?.reachability, 'online');
  assert.match(byLabel.get('alice')?.reachabilityDetail ?? '', /^announced until \d{4}-/);
  assert.equal(byLabel.get('alice')?.lastBackupAt, succeeded.endedAt);
  assert.equal(byLabel.get('bob')?.reachability, 'offline');
  assert.equal(byLabel.get('bob')?.lastBackupAt, undefined);

  await registry.close();
  registryUrl = `${registry.url}/`; // a new client, without the first one's look-up cache
  const unreachable = await app.teammates.statuses();
  assert.ok(unreachable.every((status) => status.reachability === 'unknown'));
  assert.match(unreachable[0].reachabilityDetail ?? '', /The registry at .* does not answer/);
});
