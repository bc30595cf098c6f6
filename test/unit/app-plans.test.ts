import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { App, homeAt } from '../../src/core/app';
import { generateIdentity } from '../../src/core/identity/keys';
import { tempDir } from '../helpers/temp';

async function workspace(t: TestContext) {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'src', 'lib', 'a.ts'), 'a');
  writeFileSync(join(dir, 'notes.md'), 'n');
  const app = new App({ home: homeAt(tempDir(t)), registryUrl: () => 'http://127.0.0.1:9' });
  t.after(() => app.close());
  const alice = await app.teammates.add('alice', generateIdentity().peerId);
  const bob = await app.teammates.add('bob (laptop)', generateIdentity().peerId);
  return { dir, app, alice, bob };
}

test('adding a selection to a plan designates it relative to the workspace and merges nested paths', async (t) => {
  const { dir, app } = await workspace(t);
  await app.plans.create({ name: 'nightly', excludes: [] });
  await app.plans.addPaths('nightly', [join(dir, 'src', 'lib', 'a.ts'), join(dir, 'notes.md')], dir);
  const { plan, notes } = await app.plans.addPaths('nightly', [join(dir, 'src')], dir);
  assert.deepEqual(
    plan.items.map((item) => item.archivePath),
    ['notes.md', 'src'],
  );
  assert.deepEqual(notes, [`${join(dir, 'src')} now includes ${join(dir, 'src', 'lib', 'a.ts')}`]);
  assert.deepEqual((await app.plans.get('nightly')).items, plan.items);
});

test('a plan names its teammate by label or peer ID, and a mistyped one is refused before anything is saved', async (t) => {
  const { dir, app, alice } = await workspace(t);
  const byLabel = await app.plans.create({ name: 'by-label', paths: ['notes.md'], base: dir, destination: 'alice', excludes: [] });
  assert.equal(byLabel.plan.destination, alice.peerId);
  const cleared = await app.plans.update('by-label', { destination: '' });
  assert.equal(cleared.destination, null);
  await assert.rejects(app.plans.create({ name: 'typo', paths: ['notes.md'], base: dir, destination: 'alcie', excludes: [] }), /alcie/);
  assert.deepEqual(
    (await app.plans.list()).map((plan) => plan.name),
    ['by-label'],
  );
});

test('backing up the same selection to the same teammate twice reuses the plan it made the first time', async (t) => {
  const { dir, app, alice } = await workspace(t);
  const selection = { paths: [join(dir, 'notes.md'), join(dir, 'src')], base: dir, teammate: alice.peerId, excludes: ['node_modules/'] };
  const first = await app.plans.forSelection(selection);
  assert.equal(first.created, true);
  assert.equal(first.plan.name, 'notes.md to alice');
  assert.equal(first.plan.destination, alice.peerId);
  assert.equal(first.plan.schedule, 'manual');
  assert.deepEqual(first.plan.excludes, ['node_modules/']);

  const again = await app.plans.forSelection({ ...selection, paths: [join(dir, 'src'), join(dir, 'notes.md')] });
  assert.equal(again.created, false);
  assert.equal(again.plan.id, first.plan.id);
  assert.equal((await app.plans.list()).length, 1);
});

test('another teammate or another selection gets a plan of its own, with a valid unused name', async (t) => {
  const { dir, app, alice, bob } = await workspace(t);
  const toBob = await app.plans.forSelection({ paths: [join(dir, 'notes.md')], base: dir, teammate: bob.peerId, excludes: [] });
  assert.equal(toBob.plan.name, 'notes.md to bob -laptop-');
  const toAlice = await app.plans.forSelection({ paths: [join(dir, 'notes.md')], base: dir, teammate: 'alice', excludes: [] });
  assert.equal(toAlice.created, true);
  await app.plans.create({ name: 'src to alice', excludes: [] });
  const clash = await app.plans.forSelection({ paths: [join(dir, 'src')], base: dir, teammate: alice.peerId, excludes: [] });
  assert.equal(clash.plan.name, 'src to alice 2');
  assert.equal((await app.plans.list()).length, 4);
});
