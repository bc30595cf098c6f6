import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import type { Plan } from '../../src/core/store';
import { runCli, runCliJson } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

function fixture(t: Parameters<typeof tempDir>[0]): { home: string; work: string } {
  const home = tempDir(t);
  const work = tempDir(t);
  mkdirSync(join(work, 'src'));
  writeFileSync(join(work, 'src', 'main.ts'), 'console.log(1)\n');
  writeFileSync(join(work, 'notes.md'), 'notes\n');
  return { home, work };
}

test('plan add, list, show and remove through the real CLI, in text and JSON', async (t) => {
  const { home, work } = fixture(t);
  const peer = generateIdentity().peerId;
  const added = await runCli(['plan', 'add', 'nightly', 'src', 'notes.md', '--dest', peer.toLowerCase(), '--home', home], { cwd: work });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Created plan "nightly"/);
  assert.match(added.stdout, new RegExp(`src  <-  ${join(work, 'src')}`));

  const plans = await runCliJson<Plan[]>(['plan', 'list', '--home', home]);
  assert.equal(plans.length, 1);
  assert.equal(plans[0].destination, peer);
  assert.deepEqual(plans[0].excludes, ['node_modules/']);
  assert.deepEqual(plans[0].items.map((item) => item.archivePath), ['notes.md', 'src']);

  const shown = await runCli(['--home', home, 'plan', 'show', 'nightly']);
  assert.match(shown.stdout, /Destination: +[A-Z2-7-]{41}/);

  const removed = await runCli(['plan', 'remove', 'nightly', '--home', home]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(await runCliJson(['plan', 'list', '--home', home]), []);
});

test('PEER_BACKUP_HOME is used when --home is absent', async (t) => {
  const { home, work } = fixture(t);
  const added = await runCli(['plan', 'add', 'env-plan', 'src'], { cwd: work, env: { PEER_BACKUP_HOME: home } });
  assert.equal(added.code, 0, added.stderr);
  const plans = await runCliJson<Plan[]>(['plan', 'list', '--home', home]);
  assert.deepEqual(plans.map((plan) => plan.name), ['env-plan']);
});

test('bad input gets one line naming the culprit, a non-zero exit, and leaves the database as it was', async (t) => {
  const { home, work } = fixture(t);
  assert.equal((await runCli(['plan', 'add', 'nightly', 'src', '--home', home], { cwd: work })).code, 0);
  const dbFile = join(home, 'peer-backup.db');
  const digest = () => createHash('sha256').update(readFileSync(dbFile)).digest('hex');

  const cases: [string[], RegExp][] = [
    [['plan', 'add', 'other', 'missing-folder'], /missing-folder does not exist/],
    [['plan', 'add', 'nightly', 'notes.md'], /"nightly" already exists/],
    [['plan', 'add', 'other', 'src', '--dest', 'NOT-A-PEER'], /"NOT-A-PEER" is not a peer ID/],
    [['plan', 'show', 'weekly'], /No plan named "weekly" \(known plans: nightly\)/],
    [['plan', 'remove', 'weekly'], /No plan named "weekly"/],
  ];
  for (const [args, message] of cases) {
    const before = digest();
    const result = await runCli([...args, '--home', home], { cwd: work });
    assert.notEqual(result.code, 0, `${args.join(' ')} succeeded`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`);
    assert.equal(digest(), before, `${args.join(' ')} changed the database`);
  }
  const plans = await runCliJson<Plan[]>(['plan', 'list', '--home', home]);
  assert.deepEqual(plans.map((plan) => [plan.name, plan.items.length]), [['nightly', 1]]);
});

test('a missing home and a home whose database is not SQLite are reported by path', async (t) => {
  const { home, work } = fixture(t);
  const missing = join(home, 'no-such-home');
  const noHome = await runCli(['plan', 'list', '--home', missing], { cwd: work });
  assert.equal(noHome.code, 1);
  assert.match(noHome.stderr, new RegExp(`${missing} \\(from --home\\) does not exist`));

  writeFileSync(join(home, 'peer-backup.db'), 'not a database');
  const notSqlite = await runCli(['plan', 'list', '--home', home], { cwd: work });
  assert.equal(notSqlite.code, 1);
  assert.match(notSqlite.stderr, /peer-backup\.db is not an SQLite database/);
  assert.equal(readFileSync(join(home, 'peer-backup.db'), 'utf8'), 'not a database');
});

test('every command answers --help', async () => {
  for (const args of [['--help'], ['plan', '--help'], ['plan', 'add', '--help']]) {
    const result = await runCli(args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stdout, /Usage: peer-backup/);
  }
});

test('plan set, add-paths and remove-paths change a plan; bad values are refused by name', async (t) => {
  const { home, work } = fixture(t);
  mkdirSync(join(work, 'docs'));
  assert.equal((await runCli(['plan', 'add', 'nightly', 'src', '--home', home], { cwd: work })).code, 0);
  const peer = generateIdentity().peerId;

  const set = await runCliJson<Plan>(['plan', 'set', 'nightly', '--dest', peer, '--schedule', 'daily 18:00', '--disable', '--excludes', '*.log, build/', '--home', home]);
  assert.equal(set.destination, peer);
  assert.equal(set.schedule, 'daily 18:00');
  assert.equal(set.enabled, false);
  assert.deepEqual(set.excludes, ['*.log', 'build/']);

  const added = await runCliJson<Plan>(['plan', 'add-paths', 'nightly', 'docs', 'notes.md', '--home', home], { cwd: work });
  assert.deepEqual(added.items.map((item) => item.archivePath), ['docs', 'notes.md', 'src']);
  const removed = await runCliJson<Plan>(['plan', 'remove-paths', 'nightly', 'docs', '--home', home], { cwd: work });
  assert.deepEqual(removed.items.map((item) => item.archivePath), ['notes.md', 'src']);

  const badSchedule = await runCli(['plan', 'set', 'nightly', '--schedule', 'sometimes', '--home', home]);
  assert.equal(badSchedule.code, 1);
  assert.match(badSchedule.stderr, /sometimes/);
  const nothing = await runCli(['plan', 'set', 'nightly', '--home', home]);
  assert.match(nothing.stderr, /nothing to change/);
  const notDesignated = await runCli(['plan', 'remove-paths', 'nightly', 'docs', '--home', home], { cwd: work });
  assert.match(notDesignated.stderr, /is not designated in this plan/);
  const [after] = await runCliJson<Plan[]>(['plan', 'list', '--home', home]);
  assert.equal(after.schedule, 'daily 18:00', 'a refused change left the plan as it was');
});
