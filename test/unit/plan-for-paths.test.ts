import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { addPathsToPlan, planForSelection } from '../../src/core/plan/plan-for-paths';
import { openStore } from '../../src/core/store';
import { tempDir } from '../helpers/temp';

async function workspace(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'src', 'lib', 'a.ts'), 'a');
  writeFileSync(join(dir, 'notes.md'), 'n');
  const store = await openStore(join(tempDir(t), 'peer-backup.db'));
  t.after(() => store.close());
  return { dir, store };
}

const alice = { peerId: 'AAAAAA-AAAAAA-AAAAAA-AAAAAA-AAAAAA-AAAAAA', label: 'alice' };
const bob = { peerId: 'BBBBBB-BBBBBB-BBBBBB-BBBBBB-BBBBBB-BBBBBB', label: 'bob (laptop)' };

test('adding a selection to a plan designates it relative to the workspace and merges nested paths', async (t) => {
  const { dir, store } = await workspace(t);
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'manual', excludes: [], items: [] });
  await addPathsToPlan(store, 'nightly', [join(dir, 'src', 'lib', 'a.ts'), join(dir, 'notes.md')], dir);
  const { plan, notes } = await addPathsToPlan(store, 'nightly', [join(dir, 'src')], dir);
  assert.deepEqual(
    plan.items.map((item) => item.archivePath),
    ['notes.md', 'src'],
  );
  assert.deepEqual(notes, [`${join(dir, 'src')} now includes ${join(dir, 'src', 'lib', 'a.ts')}`]);
  assert.deepEqual((await store.plans.get('nightly')).items, plan.items);
});

test('backing up the same selection to the same teammate twice reuses the plan it made the first time', async (t) => {
  const { dir, store } = await workspace(t);
  const selection = { paths: [join(dir, 'notes.md'), join(dir, 'src')], base: dir, destination: alice, excludes: ['node_modules/'] };
  const first = await planForSelection(store, selection);
  assert.equal(first.created, true);
  assert.equal(first.plan.name, 'notes.md to alice');
  assert.equal(first.plan.destination, alice.peerId);
  assert.equal(first.plan.schedule, 'manual');
  assert.deepEqual(first.plan.excludes, ['node_modules/']);

  const again = await planForSelection(store, { ...selection, paths: [join(dir, 'src'), join(dir, 'notes.md')] });
  assert.equal(again.created, false);
  assert.equal(again.plan.id, first.plan.id);
  assert.equal((await store.plans.list()).length, 1);
});

test('another teammate or another selection gets a plan of its own, with a valid unused name', async (t) => {
  const { dir, store } = await workspace(t);
  const toBob = await planForSelection(store, { paths: [join(dir, 'notes.md')], base: dir, destination: bob, excludes: [] });
  assert.equal(toBob.plan.name, 'notes.md to bob -laptop-');
  const toAlice = await planForSelection(store, { paths: [join(dir, 'notes.md')], base: dir, destination: alice, excludes: [] });
  assert.equal(toAlice.created, true);
  await store.plans.create({ name: 'src to alice', destination: null, schedule: 'manual', excludes: [], items: [] });
  const clash = await planForSelection(store, { paths: [join(dir, 'src')], base: dir, destination: alice, excludes: [] });
  assert.equal(clash.plan.name, 'src to alice 2');
  assert.equal((await store.plans.list()).length, 4);
});
