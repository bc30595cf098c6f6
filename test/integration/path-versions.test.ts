/**
 * A file's versions across a plan's snapshots, read from a real receiver's
 * trees: newest first, the same content in two snapshots with the same
 * fingerprint, and the snapshots made before the file existed marked as not
 * holding it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { App, homeAt } from '../../src/core/app';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

test('versionsOf lists, newest first, the version of a path each snapshot holds, from the trees only', { timeout: 240_000 }, async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  await allow(teammate.home, laptop.peerId, '100MB');
  await startReceiver(t, teammate.home, registry.url);
  const work = join(tempDir(t), 'work');
  mkdirSync(work);
  writeFileSync(join(work, 'other.txt'), 'unrelated');
  const env = { PEER_BACKUP_HOME: laptop.home, PEER_BACKUP_REGISTRY: registry.url };
  assert.equal((await runCli(['plan', 'add', 'work', work, '--dest', teammate.peerId], { env })).code, 0);
  const run = async () => (await runCliJson<{ snapshotId: string }>(['run', 'work'], { env })).snapshotId;

  const before = await run(); // notes.md does not exist yet
  writeFileSync(join(work, 'notes.md'), 'first\n');
  const first = await run();
  writeFileSync(join(work, 'other.txt'), 'changed, notes.md not');
  const unchanged = await run();
  writeFileSync(join(work, 'notes.md'), 'second, longer\n');
  const second = await run();

  const app = new App({ home: homeAt(laptop.home), registryUrl: () => registry.url });
  t.after(() => app.close());
  const versions = await app.snapshots.versionsOf({ plan: 'work', path: 'work/notes.md' });
  assert.deepEqual(
    versions.map((each) => each.snapshot.snapshotId),
    [second, unchanged, first, before],
    'every snapshot of the plan, newest first',
  );
  const [newest, middle, oldest, none] = versions.map((each) => each.version);
  assert.equal(none, undefined, 'the snapshot made before the file existed does not hold it');
  assert.equal(newest?.type, 'file');
  assert.equal(newest?.size, 'second, longer\n'.length);
  assert.equal(oldest?.size, 'first\n'.length);
  assert.equal(middle?.fingerprint, oldest?.fingerprint, 'unchanged content, one fingerprint');
  assert.notEqual(newest?.fingerprint, oldest?.fingerprint);
  assert.ok(versions.every((each) => each.snapshot.format === 'chunked' && each.snapshot.localRecord === 'matches'));

  const latestTwo = await app.snapshots.versionsOf({ plan: 'work', path: 'work/notes.md', newest: 2 });
  assert.deepEqual(latestTwo.map((each) => each.snapshot.snapshotId), [second, unchanged]);
});
