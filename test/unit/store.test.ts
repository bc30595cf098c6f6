import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { UserError } from '../../src/core/errors';
import { openStore } from '../../src/core/store';
import { Database } from '../../src/core/store/database';
import { schemaVersion } from '../../src/core/store/migrations';
import { tempDir } from '../helpers/temp';
import { withRawDatabase } from '../helpers/raw-database';

/** A plan's items: one temporary folder (the store never reads it). */
function itemsIn(t: TestContext) {
  return [{ sourcePath: tempDir(t), archivePath: 'src' }];
}

test('a new database gets the whole schema, WAL and foreign keys, and reopening changes nothing', async (t) => {
  const file = join(tempDir(t), 'peer-backup.db');
  const store = await openStore(file);
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  assert.equal((await withRawDatabase(store.file, (db) => db.get<{ user_version: number }>('PRAGMA user_version')))?.user_version, schemaVersion);
  assert.equal((await withRawDatabase(store.file, (db) => db.get<{ journal_mode: string }>('PRAGMA journal_mode')))?.journal_mode, 'wal');
  assert.equal((await withRawDatabase(store.file, (db) => db.get<{ foreign_keys: number }>('PRAGMA foreign_keys')))?.foreign_keys, 1);
  assert.equal((await withRawDatabase(store.file, (db) => db.get<{ synchronous: number }>('PRAGMA synchronous')))?.synchronous, 2); // FULL
  await store.close();

  const again = await openStore(file);
  t.after(() => again.close());
  assert.deepEqual((await again.plans.list()).map((plan) => plan.name), ['nightly']);
});

test('a duplicate plan name is refused by name and leaves the first plan intact', async (t) => {
  const store = await openStore(join(tempDir(t), 'db'));
  t.after(() => store.close());
  const items = itemsIn(t);
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'manual', excludes: ['node_modules/'], items });
  await assert.rejects(
    store.plans.create({ name: 'nightly', destination: null, schedule: 'hourly', excludes: [], items: itemsIn(t) }),
    (err: Error) => err instanceof UserError && /"nightly" already exists/.test(err.message),
  );
  const [plan] = await store.plans.list();
  assert.equal(plan.schedule, 'manual');
  assert.deepEqual(plan.items, items);
  assert.equal((await withRawDatabase(store.file, (db) => db.get<{ n: number }>('SELECT count(*) AS n FROM plan_items')))?.n, 1);
});

test('an unknown plan is answered with the plans that exist', async (t) => {
  const store = await openStore(join(tempDir(t), 'db'));
  t.after(() => store.close());
  await store.plans.create({ name: 'daily', destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  await assert.rejects(store.plans.get('nigthly'), /No plan named "nigthly" \(known plans: daily\)/);
});

test('removing a plan removes its items and runs', async (t) => {
  const store = await openStore(join(tempDir(t), 'db'));
  t.after(() => store.close());
  const plan = await store.plans.create({ name: 'nightly', destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  const runId = await store.runs.start(plan.id);
  await store.runs.finish(runId, { status: 'succeeded', files: 3, bytes: 10 });
  await store.plans.remove('nightly');
  assert.equal((await withRawDatabase(store.file, (db) => db.get<{ n: number }>('SELECT count(*) AS n FROM plan_items')))?.n, 0);
  assert.equal((await withRawDatabase(store.file, (db) => db.get<{ n: number }>('SELECT count(*) AS n FROM runs')))?.n, 0);
});

test("a snapshot's record is its succeeded run's receipt and content size; a snapshot this machine did not store has none", async (t) => {
  const store = await openStore(join(tempDir(t), 'db'));
  t.after(() => store.close());
  const plan = await store.plans.create({ name: 'nightly', destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  const receipt = { statement: 'c3RhdGVtZW50', signature: 'c2lnbmF0dXJl' };
  const stored = await store.runs.start(plan.id);
  await store.runs.finish(stored, { status: 'succeeded', files: 3, bytes: 100, contentBytes: 4096, snapshotId: 'snap-1', receipt });
  const failed = await store.runs.start(plan.id);
  await store.runs.finish(failed, { status: 'failed', snapshotId: 'snap-2', error: 'the upload broke off' });

  assert.deepEqual(await store.runs.snapshotRecord('snap-1'), { receipt, contentBytes: 4096 });
  assert.equal(await store.runs.snapshotRecord('snap-2'), undefined);
  assert.equal(await store.runs.snapshotRecord('made-elsewhere'), undefined);
  // A run recorded before content sizes were kept has a record without one.
  await withRawDatabase(store.file, (db) => db.run("UPDATE runs SET content_bytes = NULL WHERE snapshot_id = 'snap-1'"));
  assert.deepEqual(await store.runs.snapshotRecord('snap-1'), { receipt, contentBytes: null });
});

test('a file that is not SQLite is named in the error and left byte-for-byte unchanged', async (t) => {
  const file = join(tempDir(t), 'peer-backup.db');
  writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
  const before = createHash('sha256').update(readFileSync(file)).digest('hex');
  await assert.rejects(openStore(file), (err: Error) => err instanceof UserError && err.message.includes(file) && /not an SQLite database/.test(err.message));
  assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), before);
});

test('a database from a newer version is refused rather than downgraded', async (t) => {
  const file = join(tempDir(t), 'db');
  const db = await Database.open(file);
  await db.exec(`PRAGMA user_version = ${schemaVersion + 5}`);
  await db.close();
  await assert.rejects(openStore(file), /newer Peer Backup/);
});

test('concurrent transactions on one connection do not interleave: a failing one rolls back only itself', async (t) => {
  const db = await Database.open(join(tempDir(t), 'db'));
  t.after(() => db.close());
  await db.exec('CREATE TABLE log (tx INTEGER, step INTEGER)');
  const attempts = Array.from({ length: 20 }, (_, tx) =>
    db.transaction(async (q) => {
      await q.run('INSERT INTO log VALUES (?, 1)', [tx]);
      await new Promise((resolve) => setImmediate(resolve)); // give other callers every chance to cut in
      await q.run('INSERT INTO log VALUES (?, 2)', [tx]);
      if (tx % 2 === 1) throw new Error(`tx ${tx} fails on purpose`);
    }),
  );
  const outcomes = await Promise.allSettled(attempts);
  assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 10);
  const rows = await db.all<{ tx: number; n: number }>('SELECT tx, count(*) AS n FROM log GROUP BY tx ORDER BY tx');
  assert.deepEqual(
    rows.map((row) => [row.tx, row.n]),
    Array.from({ length: 10 }, (_, i) => [i * 2, 2]),
  );
});

test('a run left running by a process that died is marked interrupted when the database is opened; a live one is not', async (t) => {
  const file = join(tempDir(t), 'db');
  const store = await openStore(file);
  const plan = await store.plans.create({ name: 'nightly', destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  const live = await store.runs.start(plan.id); // this test process: alive
  const dead = await store.runs.start(plan.id);
  const gonePid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  await withRawDatabase(store.file, (db) => db.run('UPDATE runs SET owner_pid = ? WHERE id = ?', [Number(gonePid), dead]));
  await store.close();

  const reopened = await openStore(file);
  t.after(() => reopened.close());
  assert.equal((await reopened.runs.get(dead))?.status, 'interrupted');
  assert.match((await reopened.runs.get(dead))?.error ?? '', /stopped before it finished/);
  assert.equal((await reopened.runs.get(live))?.status, 'running');
});

test('a database damaged in its header or cut short is named as damaged, with how to recover, and left as it is', async (t) => {
  const made = join(tempDir(t), 'peer-backup.db');
  const store = await openStore(made);
  for (let n = 0; n < 50; n++) await store.plans.create({ name: `plan-${n}`, destination: null, schedule: 'manual', excludes: [], items: itemsIn(t) });
  await store.close(); // the last connection folds the WAL into the file
  const whole = readFileSync(made);

  const overwritten = join(tempDir(t), 'peer-backup.db');
  writeFileSync(overwritten, Buffer.concat([Buffer.alloc(100, 0xa5), whole.subarray(100)]));
  const truncated = join(tempDir(t), 'peer-backup.db');
  writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));

  for (const file of [overwritten, truncated]) {
    const before = readFileSync(file);
    await assert.rejects(openStore(file), (err: Error) => {
      assert.ok(err instanceof UserError, String(err));
      assert.equal(err.code, 'damaged');
      assert.ok(err.message.includes(file), err.message);
      assert.match(err.message, /is damaged\b.*: keep the file .*start a new home .*restore your files from your teammate/);
      return true;
    });
    assert.deepEqual(readFileSync(file), before);
  }
});
