import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanSpool } from '../../src/core/spool';
import { openStore } from '../../src/core/store';
import { tempDir } from '../helpers/temp';

test('the spool keeps what a live run or restore will finish, and drops what a dead one left', async (t) => {
  const store = await openStore(join(tempDir(t), 'peer-backup.db'));
  t.after(() => store.close());
  const plan = await store.plans.create({ name: 'nightly', destination: null, schedule: 'manual', excludes: [], items: [] });
  const running = await store.runs.start(plan.id);
  const finished = await store.runs.start(plan.id);
  await store.runs.finish(finished, { status: 'failed', error: 'cut off' });
  // A pid that surely belongs to no process any more: one that has just exited.
  const gonePid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;

  const spool = join(tempDir(t), 'spool');
  mkdirSync(spool);
  const names = [`run-${running}-aa-pack-1.tar`, `run-${finished}-bb-pack-1.tar`, `restore-${process.pid}-cc.tar.gz`, `restore-${gonePid}-dd.tar.gz`];
  for (const name of names) writeFileSync(join(spool, name), 'x');

  const removed = await cleanSpool(spool, store);
  assert.deepEqual(removed.sort(), [`restore-${gonePid}-dd.tar.gz`, `run-${finished}-bb-pack-1.tar`].sort());
  assert.deepEqual(readdirSync(spool).sort(), [`restore-${process.pid}-cc.tar.gz`, `run-${running}-aa-pack-1.tar`].sort());
});
