/**
 * Schedules and run history through the real CLI (dist/cli.js; run `npm run
 * build` first): specs checked when a plan is saved and shown with their next
 * runs, and `history` listing runs recorded in a real database.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { localTimeZone } from '../../src/core/schedule/spec';
import { openStore, type Run } from '../../src/core/store';
import { runCli, runCliJson } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

/** A home with two plans and four finished runs, written at known times. */
async function homeWithHistory(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const home = tempDir(t);
  const clock = { at: new Date(2030, 0, 7, 2, 0).getTime() };
  const store = await openStore(join(home, 'peer-backup.db'), () => clock.at);
  const items = [{ sourcePath: home, archivePath: 'home' }];
  const nightly = await store.plans.create({ name: 'nightly', destination: null, schedule: 'daily 02:00', excludes: [], items });
  const docs = await store.plans.create({ name: 'docs', destination: null, schedule: 'manual', excludes: [], items });
  const record = async (planId: number, tookMs: number, outcome: Parameters<typeof store.runs.finish>[1]) => {
    const runId = await store.runs.start(planId);
    clock.at += tookMs;
    await store.runs.finish(runId, outcome);
    clock.at += 3600_000;
  };
  await record(nightly.id, 1500, { status: 'failed', error: 'peer offline: no answer from 192.0.2.7:7443' });
  await record(nightly.id, 83_000, { status: 'succeeded', files: 120, bytes: 1_572_864 });
  await record(docs.id, 400, { status: 'succeeded', files: 3, bytes: 2048 });
  await record(nightly.id, 2 * 3600_000 + 5 * 60_000, { status: 'cancelled', files: 10, bytes: 0, error: 'cancelled' });
  await store.close();
  return home;
}

test('history lists runs newest first with status, files, size, duration and error', async (t) => {
  const home = await homeWithHistory(t);
  const all = await runCli(['history', '--home', home]);
  assert.equal(all.code, 0, all.stderr);
  const lines = all.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `Newest first; times are local (${localTimeZone()}).`);
  assert.deepEqual(lines.slice(1), [
    '2030-01-07 05:01  nightly  cancelled  10 files  0 B  2 h 5 min  cancelled',
    '2030-01-07 04:01  docs     succeeded  3 files  2 KiB  0.4 s',
    '2030-01-07 03:00  nightly  succeeded  120 files  1.5 MiB  1 min 23 s',
    '2030-01-07 02:00  nightly  failed     0 files  0 B  1.5 s  peer offline: no answer from 192.0.2.7:7443',
  ]);

  const nightly = await runCli(['history', 'nightly', '--limit', '2', '--home', home]);
  assert.equal(nightly.code, 0, nightly.stderr);
  assert.deepEqual(
    nightly.stdout.trimEnd().split('\n').slice(1).map((line) => line.split('  ')[2].trim()),
    ['cancelled', 'succeeded'],
  );

  const rows = await runCliJson<Run[]>(['history', 'docs', '--home', home]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].planName, 'docs');
  assert.equal(rows[0].status, 'succeeded');
  assert.equal(rows[0].bytes, 2048);
});

test('history: a plan that never ran says how to run it; none at all says so', async (t) => {
  const home = tempDir(t);
  const store = await openStore(join(home, 'peer-backup.db'));
  await store.plans.create({ name: 'fresh', destination: null, schedule: 'manual', excludes: [], items: [] });
  await store.close();
  assert.equal((await runCli(['history', '--home', home])).stdout, 'No runs yet.\n');
  assert.match((await runCli(['history', 'fresh', '--home', home])).stdout, /Plan "fresh" has not run yet: "peer-backup run fresh" runs it now\./);
});

test('history: an unknown plan, a bad --limit and a missing home are clear errors', async (t) => {
  const home = await homeWithHistory(t);
  const unknown = await runCli(['history', 'nigthly', '--home', home]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'peer-backup: No plan named "nigthly" (known plans: docs, nightly).\n');

  const badLimit = await runCli(['history', '--limit', 'all', '--home', home]);
  assert.notEqual(badLimit.code, 0);
  assert.match(badLimit.stderr, /--limit.*give a whole number of runs, at least 1, such as --limit 20/);

  const missing = join(tempDir(t), 'no-such-home');
  const noHome = await runCli(['history', '--home', missing]);
  assert.equal(noHome.code, 1);
  assert.match(noHome.stderr, new RegExp(`The home folder ${missing} \\(from --home\\) does not exist: create it with "mkdir -p ${missing}"`));
});

test('plan add checks the schedule, stores it in canonical form, and shows when it runs next', async (t) => {
  const home = tempDir(t);
  const work = tempDir(t);
  const refused = await runCli(['plan', 'add', 'nightly', '.', '--schedule', 'nightly at 2', '--home', home], { cwd: work });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /"nightly at 2" is not a schedule: use manual, hourly, "daily 02:00", "weekly mon 09:00", "every 15 minutes", or a cron expression such as "30 2 \* \* 1-5"\./);
  assert.deepEqual(await runCliJson(['plan', 'list', '--home', home]), []);

  const added = await runCli(['plan', 'add', 'weekly', '.', '--schedule', 'Weekly Monday 9:00', '--home', home], { cwd: work });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, new RegExp(`Schedule: +every Monday at 09:00 \\(local time, ${localTimeZone().replace('+', '\\+')}\\)`));
  const next = /Next runs: +(.*)/.exec(added.stdout)?.[1].split(', ') ?? [];
  assert.equal(next.length, 3);
  for (const at of next) {
    const [date, time] = at.split(' ');
    const [year, month, day] = date.split('-').map(Number);
    assert.equal(time, '09:00');
    assert.equal(new Date(year, month - 1, day).getDay(), 1, `${at} is a Monday`);
  }
  const [plan] = await runCliJson<{ schedule: string }[]>(['plan', 'list', '--home', home]);
  assert.equal(plan.schedule, 'weekly mon 09:00');
});
