import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { duePlans } from '../../src/core/schedule/due';
import { openStore } from '../../src/core/store';
import { tempDir } from '../helpers/temp';
import { withRawDatabase } from '../helpers/raw-database';

test('due plans: enabled, scheduled, with a slot missed since they were saved and since their last success', async (t) => {
  const clock = { at: new Date(2030, 0, 7, 1, 0).getTime() }; // Monday 01:00
  const store = await openStore(join(tempDir(t), 'peer-backup.db'), () => clock.at);
  t.after(() => store.close());
  const items = [{ sourcePath: tempDir(t), archivePath: 'work' }];
  const plan = (name: string, schedule: string, enabled = true) => store.plans.create({ name, destination: null, schedule, enabled, excludes: [], items });
  await plan('missed', 'daily 02:00');
  await plan('off', 'daily 02:00', false);
  await plan('by-hand', 'manual');
  const done = await plan('done', 'daily 02:00');
  clock.at = new Date(2030, 0, 7, 8, 0).getTime();
  await store.runs.finish(await store.runs.start(done.id), { status: 'succeeded' });
  await plan('new', 'daily 02:00');

  const { due, unusable } = await duePlans(store, new Date(2030, 0, 7, 9, 30).getTime());
  assert.deepEqual(
    due.map((each) => [each.name, each.missedSlot]),
    [['missed', new Date(2030, 0, 7, 2, 0)]],
  );
  assert.deepEqual(unusable, []);
});

test('a plan whose stored schedule no longer parses is set aside with the reason, and the others are still due', async (t) => {
  const clock = { at: new Date(2030, 0, 7, 1, 0).getTime() };
  const store = await openStore(join(tempDir(t), 'peer-backup.db'), () => clock.at);
  t.after(() => store.close());
  const items = [{ sourcePath: tempDir(t), archivePath: 'work' }];
  await store.plans.create({ name: 'broken', destination: null, schedule: 'daily 02:00', excludes: [], items });
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'daily 02:00', excludes: [], items });
  // As an older or newer version might have stored it.
  await withRawDatabase(store.file, (db) => db.run("UPDATE plans SET schedule = 'fortnightly' WHERE name = 'broken'"));

  const { due, unusable } = await duePlans(store, new Date(2030, 0, 7, 9, 30).getTime());
  assert.deepEqual(due.map((each) => each.name), ['nightly']);
  assert.deepEqual(unusable.map((each) => each.plan.name), ['broken']);
  assert.match(unusable[0].reason, /"fortnightly" is not a schedule/);
});
